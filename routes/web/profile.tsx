import { Elysia } from "elysia";
import { type ActiveSession, SESSION_COOKIE } from "../../auth/sessions.ts";
import { THEMES, type Theme, type User } from "../../auth/users.ts";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import {
  ApiKeyList,
  type ApiKeyRow,
  CreateApiKeyForm,
  Csrf,
  NewApiKey,
  NewPasswordFields,
  Notice,
} from "../../views/account.tsx";
import { Layout } from "../../views/layout.tsx";
import { clientIp } from "../client-ip.ts";
import { attempt, pageAnswer, rawField } from "./account.ts";
import { doneNotice, field, guarded, idParam } from "./page.ts";
import { readCookie, redirect } from "./session.ts";

/** Success messages after a redirect (`?done=…`). */
const DONE_TEXT = {
  password: "Password changed. Your other sessions were signed out.",
  "subsonic-set": "Subsonic password saved.",
  "subsonic-cleared": "Subsonic password removed.",
  "subsonic-auth": "Subsonic login setting saved.",
  revoked: "API key revoked.",
  theme: "Theme saved.",
} as const;
const DONE = new Map(Object.entries(DONE_TEXT).map(([done, text]) => [done, () => text]));

const THEME_LABELS: Record<Theme, string> = {
  auto: "Automatic (as the system)",
  light: "Light",
  dark: "Dark",
};

type Section = "password" | "subsonic" | "keys" | "theme";

interface ProfileProps {
  user: User;
  keys: ApiKeyRow[];
  csrf: string;
  ok?: string;
  /** An error, shown next to the form it belongs to. */
  error?: { section: Section; message: string };
  newKey?: { name: string; key: string };
  keyName?: string;
}

function ProfileView(props: ProfileProps) {
  const u = props.user;
  const err = (s: Section) => (props.error?.section === s ? props.error.message : undefined);
  return (
    <div class="profile">
      <h1>Profile</h1>
      <p>
        {"Signed in as "}
        <strong safe>{u.username}</strong>
        {` (${u.role === "admin" ? "admin" : "user"}).`}
      </p>
      <Notice ok={props.ok} />

      <section aria-labelledby="password-heading" class="panel">
        <h2 id="password-heading">Password</h2>
        <Notice error={err("password")} />
        <form method="post" action="/profile/password">
          <Csrf token={props.csrf} />
          <label for="current-password">Current password</label>
          <input
            type="password"
            id="current-password"
            name="current"
            required
            autocomplete="current-password"
          />
          <NewPasswordFields id="new-password" repeat="Repeat new password" label="New password" />
          <label class="check">
            <input type="checkbox" name="subsonic" value="1" checked />
            Use it as my Subsonic password too
          </label>
          <p>
            <button type="submit">Change password</button>
          </p>
        </form>
      </section>

      <section aria-labelledby="subsonic-heading" class="panel">
        <h2 id="subsonic-heading">Subsonic apps</h2>
        <Notice error={err("subsonic")} />
        <p>
          {u.subsonicPassword
            ? "A Subsonic password is stored (encrypted on the server, because token login needs it in clear). "
            : "No Subsonic password is stored: apps that log in with a token (most do) cannot log in; apps sending the password itself use your login password. "}
          API keys below work for every OpenSubsonic app.
        </p>
        <form method="post" action="/profile/subsonic-password">
          <Csrf token={props.csrf} />
          <NewPasswordFields
            id="subsonic-password"
            repeat="Repeat Subsonic password"
            label="Subsonic password"
          />
          <p>
            <button type="submit">Set Subsonic password</button>
          </p>
        </form>
        {u.subsonicPassword && (
          <form method="post" action="/profile/subsonic-password">
            <Csrf token={props.csrf} />
            <input type="hidden" name="clear" value="1" />
            <button type="submit" class="secondary">
              Remove Subsonic password
            </button>
          </form>
        )}
        <form method="post" action="/profile/subsonic-auth">
          <Csrf token={props.csrf} />
          <label class="check">
            <input type="checkbox" name="allow" value="1" checked={u.subsonicPasswordAuth} />
            Allow password login for Subsonic apps (off: API keys only)
          </label>
          <button type="submit" class="secondary">
            Save Subsonic login setting
          </button>
        </form>
      </section>

      <section aria-labelledby="keys-heading" class="panel">
        <h2 id="keys-heading">API keys</h2>
        <p class="muted">
          An app given a key logs in as you without your password. Revoke a key to lock it out.
        </p>
        <Notice error={err("keys")} />
        {props.newKey && <NewApiKey name={props.newKey.name} apiKey={props.newKey.key} />}
        <ApiKeyList
          keys={props.keys}
          csrf={props.csrf}
          label="Your API keys"
          revokeAction={(id) => `/profile/keys/${id}/revoke`}
        />
        <CreateApiKeyForm action="/profile/keys" csrf={props.csrf} name={props.keyName} />
      </section>

      <section aria-labelledby="theme-heading" class="panel">
        <h2 id="theme-heading">Theme</h2>
        <Notice error={err("theme")} />
        {/* The theme sits on <html>, outside #main: this form reloads the whole page. */}
        <form method="post" action="/profile/theme" hx-boost="false">
          <Csrf token={props.csrf} />
          <fieldset>
            <legend>Colours</legend>
            {THEMES.map((t) => (
              <label class="check">
                <input type="radio" name="theme" value={t} checked={u.theme === t} />
                {THEME_LABELS[t]}
              </label>
            ))}
          </fieldset>
          <p>
            <button type="submit">Save theme</button>
          </p>
        </form>
      </section>
    </div>
  );
}

/** Every user's own account: password, Subsonic access, API keys, theme. */
export function profileRoutes(ctx: AppContext) {
  const render = async (
    session: ActiveSession,
    extra: Omit<ProfileProps, "user" | "keys" | "csrf"> = {},
  ) => {
    // Re-read the user: the answer shows what this request just changed.
    const user = (await ctx.users.byId(session.user.id)) ?? session.user;
    return (
      <Layout title="Profile" user={user} csrfToken={session.csrfToken} section="profile">
        <ProfileView
          user={user}
          keys={await ctx.apiKeys.list(user.id)}
          csrf={session.csrfToken}
          {...extra}
        />
      </Layout>
    );
  };

  /** A failed form: the page again, the message next to the form, with its status. */
  const failed = async (
    session: ActiveSession,
    section: Section,
    message: string,
    status: number,
  ) => pageAnswer(await render(session, { error: { section, message } }), status, "/profile");

  const done = (what: keyof typeof DONE_TEXT) => redirect(`/profile?done=${what}`);

  return (
    new Elysia({ name: "web-profile" })
      .get("/profile", ({ request }) =>
        guarded(ctx, { request }, ({ session, url }) =>
          render(session, { ok: doneNotice(url, DONE) }),
        ),
      )
      .post("/profile/password", ({ request, body, server }) =>
        guarded(ctx, { request, body }, async ({ session }) => {
          const user = session.user;
          const ip = clientIp(request, server, ctx.config.trustProxy);
          if (await ctx.throttle.blocked(user.username, ip)) {
            return failed(session, "password", "Too many wrong passwords. Try again later.", 429);
          }
          const current = rawField(body, "current");
          if (!current || !(await ctx.users.verifyPassword(user, current))) {
            await ctx.throttle.failed(user.username, ip);
            return failed(session, "password", "The current password is wrong.", 400);
          }
          const password = rawField(body, "password");
          const r = await attempt(async () => {
            if (password !== rawField(body, "password2")) {
              throw new DomainError("invalid", "The new passwords differ.");
            }
            await ctx.users.setPassword(user.username, password, field(body, "subsonic") !== "");
          });
          if (!r.ok) return failed(session, "password", r.error, r.status);
          await ctx.throttle.succeeded(user.username);
          // Whoever knew the old password is signed out everywhere but here.
          await ctx.sessions.destroyAllOf(user.id, readCookie(request, SESSION_COOKIE));
          return done("password");
        }),
      )
      .post("/profile/subsonic-password", ({ request, body }) =>
        guarded(ctx, { request, body }, async ({ session }) => {
          const clear = field(body, "clear") !== "";
          const r = await attempt(async () => {
            if (clear) return ctx.users.setSubsonicPassword(session.user.username, null);
            const password = rawField(body, "password");
            if (password !== rawField(body, "password2")) {
              throw new DomainError("invalid", "The two Subsonic passwords differ.");
            }
            return ctx.users.setSubsonicPassword(session.user.username, password);
          });
          if (!r.ok) return failed(session, "subsonic", r.error, r.status);
          return done(clear ? "subsonic-cleared" : "subsonic-set");
        }),
      )
      .post("/profile/subsonic-auth", ({ request, body }) =>
        guarded(ctx, { request, body }, async ({ session }) => {
          await ctx.users.setSubsonicPasswordAuth(
            session.user.username,
            field(body, "allow") !== "",
          );
          return done("subsonic-auth");
        }),
      )
      .post("/profile/keys", ({ request, body }) =>
        guarded(ctx, { request, body }, async ({ session }) => {
          const name = field(body, "name");
          const r = await attempt(() => ctx.apiKeys.create(session.user.id, name));
          if (!r.ok) {
            const page = await render(session, {
              error: { section: "keys", message: r.error },
              keyName: name,
            });
            return pageAnswer(page, r.status, "/profile");
          }
          return pageAnswer(
            await render(session, { newKey: { name, key: r.value.key } }),
            200,
            "/profile",
          );
        }),
      )
      .post("/profile/keys/:key/revoke", ({ request, body, params }) =>
        guarded(ctx, { request, body }, async ({ session }) => {
          // Only one's own keys: another user's key id is "not found".
          await ctx.apiKeys.revoke(session.user.id, idParam(params.key, "API key"));
          return done("revoked");
        }),
      )
      .post("/profile/theme", ({ request, body }) =>
        guarded(ctx, { request, body }, async ({ session }) => {
          const theme = field(body, "theme");
          const r = await attempt(() => ctx.users.setTheme(session.user.username, theme as Theme));
          if (!r.ok) return failed(session, "theme", r.error, r.status);
          return done("theme");
        }),
      )
      // A form answered in place leaves its POST address in the address bar (without
      // JavaScript): reloading it shows the profile instead of a 404.
      .get("/profile/*", ({ request }) => guarded(ctx, { request }, () => redirect("/profile")))
  );
}
