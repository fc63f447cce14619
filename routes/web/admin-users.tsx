import { Elysia } from "elysia";
import { type ActiveSession, SESSION_COOKIE } from "../../auth/sessions.ts";
import { ROLES, type Role, type User } from "../../auth/users.ts";
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
  When,
} from "../../views/account.tsx";
import { AdminPage, ConfirmRemoval } from "../../views/admin.tsx";
import { Layout } from "../../views/layout.tsx";
import { attempt, pageAnswer, rawField } from "./account.ts";
import { doneNotice, field, guarded, idParam } from "./page.ts";
import { readCookie, redirect } from "./session.ts";

const ADMIN = { admin: true };

/** Success messages after a redirect (`?done=…`): fixed texts, never echoed from the URL. */
const DONE = new Map<string, (name: string) => string>([
  ["created", (n) => `Created user ${n}.`],
  ["deleted", (n) => `Deleted user ${n}.`],
  ["role", () => "Role changed."],
  ["password", () => "Password reset. The user's sessions were signed out."],
  ["revoked", () => "API key revoked."],
]);

function RoleSelect(props: { id: string; value: Role }) {
  return (
    <select id={props.id} name="role">
      {ROLES.map((r) => (
        <option value={r} selected={r === props.value}>
          {r === "admin" ? "Admin" : "User"}
        </option>
      ))}
    </select>
  );
}

function parseRole(raw: string): Role {
  if (!ROLES.includes(raw as Role)) throw new DomainError("invalid", "role must be admin or user");
  return raw as Role;
}

function UsersView(props: {
  users: User[];
  me: User;
  csrf: string;
  ok?: string;
  error?: string;
  form?: { username: string; role: Role };
}) {
  return (
    <AdminPage heading="Users" tab="users">
      <Notice ok={props.ok} error={props.error} />
      <table class="users">
        <caption class="visually-hidden">All users</caption>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Role</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {props.users.map((u) => (
            <tr>
              <td>
                <a href={`/admin/users/${u.id}`} aria-label={`Manage ${u.username}`} safe>
                  {u.username}
                </a>
                {u.id === props.me.id && <span class="muted"> (you)</span>}
              </td>
              <td>{u.role === "admin" ? "Admin" : "User"}</td>
              <td>
                <When ms={u.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <section aria-labelledby="create-heading" class="panel">
        <h2 id="create-heading">Create a user</h2>
        <form method="post" action="/admin/users">
          <Csrf token={props.csrf} />
          <label for="new-username">Username</label>
          <input
            type="text"
            id="new-username"
            name="username"
            required
            maxlength="64"
            autocomplete="off"
            value={props.form?.username ?? ""}
          />
          <label for="new-password">Password</label>
          <input
            type="password"
            id="new-password"
            name="password"
            required
            minlength="4"
            autocomplete="new-password"
          />
          <label for="new-role">Role</label>
          <RoleSelect id="new-role" value={props.form?.role ?? "user"} />
          <p>
            <button type="submit">Create user</button>
          </p>
        </form>
      </section>
    </AdminPage>
  );
}

function UserView(props: {
  user: User;
  me: User;
  keys: ApiKeyRow[];
  csrf: string;
  ok?: string;
  error?: string;
  newKey?: { name: string; key: string };
  keyName?: string;
}) {
  const u = props.user;
  const base = `/admin/users/${u.id}`;
  const self = u.id === props.me.id;
  return (
    <AdminPage heading={`User ${u.username}`} tab="users">
      <p>
        <a href="/admin">← All users</a>
      </p>
      <Notice ok={props.ok} error={props.error} />
      {props.newKey && <NewApiKey name={props.newKey.name} apiKey={props.newKey.key} />}
      <dl class="facts">
        <dt>Role</dt>
        <dd>{u.role === "admin" ? "Admin" : "User"}</dd>
        <dt>Created</dt>
        <dd>
          <When ms={u.createdAt} />
        </dd>
        <dt>Subsonic password</dt>
        <dd>{u.subsonicPassword ? "stored (encrypted)" : "not set"}</dd>
        <dt>Password login for Subsonic apps</dt>
        <dd>{u.subsonicPasswordAuth ? "allowed" : "off (API keys only)"}</dd>
      </dl>

      <section aria-labelledby="role-heading" class="panel">
        <h2 id="role-heading">Role</h2>
        {self ? (
          <p>You cannot change your own role; another admin can.</p>
        ) : (
          <form method="post" action={`${base}/role`} class="inline-form">
            <Csrf token={props.csrf} />
            <div>
              <label for="role">Role</label>
              <RoleSelect id="role" value={u.role} />
            </div>
            <button type="submit">Change role</button>
          </form>
        )}
      </section>

      <section aria-labelledby="password-heading" class="panel">
        <h2 id="password-heading">Reset password</h2>
        <p class="muted">Sets the login and the Subsonic password and signs the user out.</p>
        <form method="post" action={`${base}/password`}>
          <Csrf token={props.csrf} />
          <NewPasswordFields
            id="reset-password"
            repeat="Repeat new password"
            label="New password"
          />
          <p>
            <button type="submit">Reset password</button>
          </p>
        </form>
      </section>

      <section aria-labelledby="keys-heading" class="panel">
        <h2 id="keys-heading">API keys</h2>
        <ApiKeyList
          keys={props.keys}
          csrf={props.csrf}
          label={`API keys of ${u.username}`}
          revokeAction={(id) => `${base}/keys/${id}/revoke`}
        />
        <CreateApiKeyForm action={`${base}/keys`} csrf={props.csrf} name={props.keyName} />
      </section>

      <section aria-labelledby="delete-heading" class="panel">
        <h2 id="delete-heading">Delete</h2>
        {self ? (
          <p>You cannot delete your own account.</p>
        ) : (
          <p>
            <a href={`${base}/delete`} class="danger-link" safe>
              {`Delete ${u.username}…`}
            </a>
          </p>
        )}
      </section>
    </AdminPage>
  );
}

function DeleteView(props: { user: User; csrf: string; error?: string }) {
  const u = props.user;
  return (
    <ConfirmRemoval
      heading={`Delete ${u.username}?`}
      tab="users"
      action={`/admin/users/${u.id}/delete`}
      button={`Delete ${u.username}`}
      cancel={`/admin/users/${u.id}`}
      csrf={props.csrf}
      error={props.error}
    >
      The account, its sessions, API keys, playlists, stars, ratings and play history are deleted.
      This cannot be undone.
    </ConfirmRemoval>
  );
}

/** User administration: list, create, role, password reset, API keys, delete. */
export function adminUserRoutes(ctx: AppContext) {
  const layout = (session: ActiveSession, title: string, body: JSX.Element) => (
    <Layout title={title} user={session.user} csrfToken={session.csrfToken} section="admin">
      {body}
    </Layout>
  );

  const usersPage = async (
    session: ActiveSession,
    extra: { ok?: string; error?: string; form?: { username: string; role: Role } } = {},
  ) =>
    layout(
      session,
      "Users",
      <UsersView
        users={await ctx.users.list()}
        me={session.user}
        csrf={session.csrfToken}
        {...extra}
      />,
    );

  const target = async (raw: string | undefined): Promise<User> => {
    const user = await ctx.users.byId(idParam(raw, "user"));
    if (!user) throw new DomainError("not_found", "user not found");
    return user;
  };

  const userPage = async (
    session: ActiveSession,
    user: User,
    extra: {
      ok?: string;
      error?: string;
      newKey?: { name: string; key: string };
      keyName?: string;
    } = {},
  ) =>
    layout(
      session,
      `User ${user.username}`,
      <UserView
        user={user}
        me={session.user}
        keys={await ctx.apiKeys.list(user.id)}
        csrf={session.csrfToken}
        {...extra}
      />,
    );

  const back = (user: User, done: string) => redirect(`/admin/users/${user.id}?done=${done}`);

  /** A change on a user's page: back to it saying `done`, or the page again with the error. */
  const change = async (
    session: ActiveSession,
    user: User,
    done: string,
    run: () => Promise<void>,
  ) => {
    const r = await attempt(run);
    if (r.ok) return back(user, done);
    const page = await userPage(session, user, { error: r.error });
    return pageAnswer(page, r.status, `/admin/users/${user.id}`);
  };

  return (
    new Elysia({ name: "web-admin-users" })
      .get("/admin", ({ request }) =>
        guarded(
          ctx,
          { request },
          ({ session, url }) => usersPage(session, { ok: doneNotice(url, DONE) }),
          ADMIN,
        ),
      )
      .post("/admin/users", ({ request, body }) =>
        guarded(
          ctx,
          { request, body },
          async ({ session }) => {
            const username = field(body, "username");
            const roleRaw = field(body, "role") || "user";
            const form = {
              username,
              role: (ROLES.includes(roleRaw as Role) ? roleRaw : "user") as Role,
            };
            const r = await attempt(() =>
              ctx.users.create({
                username,
                password: rawField(body, "password"),
                role: parseRole(roleRaw),
              }),
            );
            if (!r.ok) {
              return pageAnswer(
                await usersPage(session, { error: r.error, form }),
                r.status,
                "/admin",
              );
            }
            return redirect(`/admin?done=created&name=${encodeURIComponent(r.value.username)}`);
          },
          ADMIN,
        ),
      )
      .get("/admin/users/:id", ({ request, params }) =>
        guarded(
          ctx,
          { request },
          async ({ session, url }) =>
            userPage(session, await target(params.id), { ok: doneNotice(url, DONE) }),
          ADMIN,
        ),
      )
      .post("/admin/users/:id/role", ({ request, body, params }) =>
        guarded(
          ctx,
          { request, body },
          async ({ session }) => {
            const user = await target(params.id);
            return change(session, user, "role", async () => {
              const role = parseRole(field(body, "role"));
              if (user.id === session.user.id && role !== "admin") {
                throw new DomainError("forbidden", "You cannot remove your own admin role.");
              }
              await ctx.users.setRole(user.username, role);
            });
          },
          ADMIN,
        ),
      )
      .post("/admin/users/:id/password", ({ request, body, params }) =>
        guarded(
          ctx,
          { request, body },
          async ({ session }) => {
            const user = await target(params.id);
            return change(session, user, "password", async () => {
              const password = rawField(body, "password");
              if (password !== rawField(body, "password2")) {
                throw new DomainError("invalid", "The two passwords differ.");
              }
              await ctx.users.setPassword(user.username, password);
              // Whoever knew the old password is signed out (but not the admin doing this).
              const mine = user.id === session.user.id;
              await ctx.sessions.destroyAllOf(
                user.id,
                mine ? readCookie(request, SESSION_COOKIE) : undefined,
              );
            });
          },
          ADMIN,
        ),
      )
      .post("/admin/users/:id/keys", ({ request, body, params }) =>
        guarded(
          ctx,
          { request, body },
          async ({ session }) => {
            const user = await target(params.id);
            const name = field(body, "name");
            const r = await attempt(() => ctx.apiKeys.create(user.id, name));
            const page = r.ok
              ? await userPage(session, user, { newKey: { name, key: r.value.key } })
              : await userPage(session, user, { error: r.error, keyName: name });
            return pageAnswer(page, r.ok ? 200 : r.status, `/admin/users/${user.id}`);
          },
          ADMIN,
        ),
      )
      .post("/admin/users/:id/keys/:key/revoke", ({ request, body, params }) =>
        guarded(
          ctx,
          { request, body },
          async () => {
            const user = await target(params.id);
            await ctx.apiKeys.revoke(user.id, idParam(params.key, "API key"));
            return back(user, "revoked");
          },
          ADMIN,
        ),
      )
      .get("/admin/users/:id/delete", ({ request, params }) =>
        guarded(
          ctx,
          { request },
          async ({ session }) => {
            const user = await target(params.id);
            if (user.id === session.user.id) return redirect(`/admin/users/${user.id}`);
            return layout(
              session,
              `Delete ${user.username}`,
              <DeleteView user={user} csrf={session.csrfToken} />,
            );
          },
          ADMIN,
        ),
      )
      .post("/admin/users/:id/delete", ({ request, body, params }) =>
        guarded(
          ctx,
          { request, body },
          async ({ session }) => {
            const user = await target(params.id);
            const r = await attempt(async () => {
              if (user.id === session.user.id) {
                throw new DomainError("forbidden", "You cannot delete your own account.");
              }
              await ctx.users.delete(user.username);
            });
            if (!r.ok) {
              const page = await layout(
                session,
                `Delete ${user.username}`,
                <DeleteView user={user} csrf={session.csrfToken} error={r.error} />,
              );
              return pageAnswer(page, r.status, `/admin/users/${user.id}/delete`);
            }
            return redirect(`/admin?done=deleted&name=${encodeURIComponent(user.username)}`);
          },
          ADMIN,
        ),
      )
      // Without JavaScript, a form answered in place leaves its POST address in the address
      // bar; reloading it asks for the page rather than a 404.
      .get("/admin/users", ({ request }) =>
        guarded(ctx, { request }, () => redirect("/admin"), ADMIN),
      )
      .get("/admin/users/:id/:action", ({ request, params }) =>
        guarded(
          ctx,
          { request },
          () => redirect(`/admin/users/${idParam(params.id, "user")}`),
          ADMIN,
        ),
      )
  );
}
