/**
 * Pieces shared by the profile page and the admin pages: status messages, API key lists and
 * the once-only display of a new key, and the hidden CSRF field of plain forms.
 */

/** The hidden CSRF field every plain (non-htmx) form carries. */
export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/** `YYYY-MM-DD HH:MM` (UTC) of an epoch-ms time in a `<time>` element, or `never`. */
export function When({ ms }: { ms: number | null | undefined }) {
  if (!ms) return <span>never</span>;
  const iso = new Date(ms).toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`}</time>;
}

/** What happened (role=status) or what went wrong (role=alert). */
export function Notice(props: { ok?: string; error?: string }) {
  return (
    <>
      {props.ok && (
        <p class="notice ok" role="status" safe>
          {props.ok}
        </p>
      )}
      {props.error && (
        <p class="notice error" role="alert" safe>
          {props.error}
        </p>
      )}
    </>
  );
}

export interface ApiKeyRow {
  id: number;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** A newly created key: shown this once, never again (only its hash is stored). */
export function NewApiKey(props: { name: string; apiKey: string }) {
  return (
    <div class="new-key" role="status">
      <p>
        {"API key "}
        <strong safe>{props.name}</strong>
        {" created. Copy it now: it is not shown again."}
      </p>
      <label for="new-key">New API key</label>
      <input
        id="new-key"
        type="text"
        readonly
        value={props.apiKey}
        autocomplete="off"
        spellcheck="false"
      />
    </div>
  );
}

/** The keys of one user, each with a Revoke button posting to `revokeAction(id)`. */
export function ApiKeyList(props: {
  keys: ApiKeyRow[];
  csrf: string;
  revokeAction: (id: number) => string;
  label: string;
}) {
  if (props.keys.length === 0) return <p class="empty">No API keys yet.</p>;
  return (
    <ul class="keys" aria-label={props.label}>
      {props.keys.map((k) => (
        <li>
          <span class="key-name" safe>
            {k.name}
          </span>
          <span class="key-dates">
            {"created "}
            <When ms={k.createdAt} />
            {" · last used "}
            <When ms={k.lastUsedAt} />
          </span>
          <form method="post" action={props.revokeAction(k.id)}>
            <Csrf token={props.csrf} />
            <button type="submit" class="secondary" aria-label={`Revoke key ${k.name}`}>
              Revoke
            </button>
          </form>
        </li>
      ))}
    </ul>
  );
}

/** Names and creates a key; the answer shows it once. */
export function CreateApiKeyForm(props: { action: string; csrf: string; name?: string }) {
  return (
    <form method="post" action={props.action} class="inline-form">
      <Csrf token={props.csrf} />
      <div>
        <label for="key-name">Key name</label>
        <input
          type="text"
          id="key-name"
          name="name"
          required
          maxlength="100"
          placeholder="e.g. phone"
          value={props.name ?? ""}
        />
      </div>
      <button type="submit">Create API key</button>
    </form>
  );
}

/** A new password and its repetition (fields `password` and `password2`). */
export function NewPasswordFields(props: { id: string; label: string; repeat: string }) {
  return (
    <>
      <label for={props.id} safe>
        {props.label}
      </label>
      <input
        type="password"
        id={props.id}
        name="password"
        required
        minlength="4"
        autocomplete="new-password"
      />
      <label for={`${props.id}2`} safe>
        {props.repeat}
      </label>
      <input
        type="password"
        id={`${props.id}2`}
        name="password2"
        required
        minlength="4"
        autocomplete="new-password"
      />
    </>
  );
}
