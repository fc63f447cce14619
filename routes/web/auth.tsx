import { Elysia } from "elysia";
import { SESSION_COOKIE } from "../../auth/sessions.ts";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import { Layout } from "../../views/layout.tsx";
import { clientIp } from "../client-ip.ts";
import {
  clearedSessionCookie,
  csrfValid,
  currentSession,
  PRELOGIN_CSRF_COOKIE,
  preloginCsrf,
  presentedCsrf,
  readCookie,
  redirect,
  safeNext,
  sessionCookie,
} from "./session.ts";

type Form = {
  username?: string;
  password?: string;
  password2?: string;
  _csrf?: string;
  next?: string;
};

function CredentialsForm(props: {
  action: string;
  heading: string;
  button: string;
  csrf: string;
  error?: string;
  username?: string;
  confirm?: boolean;
  next?: string;
}) {
  return (
    <section class="card" aria-labelledby="form-heading">
      <h1 id="form-heading" safe>
        {props.heading}
      </h1>
      {props.error && (
        <p class="error" role="alert" safe>
          {props.error}
        </p>
      )}
      <form method="post" action={props.action} hx-boost="false">
        <input type="hidden" name="_csrf" value={props.csrf} />
        {props.next && props.next !== "/" && <input type="hidden" name="next" value={props.next} />}
        <label for="username">Username</label>
        <input
          type="text"
          id="username"
          name="username"
          autocomplete="username"
          required
          value={props.username ?? ""}
        />
        <label for="password">Password</label>
        <input
          type="password"
          id="password"
          name="password"
          autocomplete={props.confirm ? "new-password" : "current-password"}
          required
        />
        {props.confirm && (
          <>
            <label for="password2">Repeat password</label>
            <input
              type="password"
              id="password2"
              name="password2"
              autocomplete="new-password"
              required
            />
          </>
        )}
        <button type="submit">{props.button}</button>
      </form>
    </section>
  );
}

function page(body: string, status: number, setCookies: string[] = []): Response {
  const headers = new Headers({ "content-type": "text/html; charset=utf-8" });
  for (const c of setCookies) headers.append("set-cookie", c);
  return new Response(body, { status, headers });
}

/** Login, logout and first-run admin creation. */
export function authRoutes(ctx: AppContext) {
  const loginPage = async (
    request: Request,
    status = 200,
    error?: string,
    username?: string,
    next = safeNext(new URL(request.url).searchParams.get("next")),
  ) => {
    const csrf = preloginCsrf(ctx, request);
    const html = await (
      <Layout title="Log in">
        <CredentialsForm
          action="/login"
          heading="Log in to Bandstand"
          button="Log in"
          csrf={csrf.token}
          error={error}
          username={username}
          next={next}
        />
      </Layout>
    );
    return page(html, status, csrf.setCookie ? [csrf.setCookie] : []);
  };

  const setupPage = async (request: Request, status = 200, error?: string, username?: string) => {
    const csrf = preloginCsrf(ctx, request);
    const html = await (
      <Layout title="Create the admin account">
        <CredentialsForm
          action="/setup"
          heading="Create the admin account"
          button="Create admin"
          csrf={csrf.token}
          error={error}
          username={username}
          confirm
        />
      </Layout>
    );
    return page(html, status, csrf.setCookie ? [csrf.setCookie] : []);
  };

  const preloginCsrfOk = (request: Request, body: Form) =>
    csrfValid(readCookie(request, PRELOGIN_CSRF_COOKIE), presentedCsrf(request, body));

  const startSession = async (userId: number, next = "/") => {
    const { token } = await ctx.sessions.create(userId);
    return redirect(next, [sessionCookie(ctx, token)]);
  };

  return new Elysia({ name: "web-auth" })
    .get("/login", async ({ request }) => {
      if ((await ctx.users.count()) === 0) return redirect("/setup");
      if (await currentSession(ctx, request)) return redirect("/");
      return loginPage(request);
    })
    .post("/login", async ({ request, body, server }) => {
      const form = (body ?? {}) as Form;
      const next = safeNext(form.next);
      if (!preloginCsrfOk(request, form)) {
        return loginPage(request, 403, "Your form expired. Please try again.", undefined, next);
      }
      const username = String(form.username ?? "").trim();
      const password = String(form.password ?? "");
      const ip = clientIp(request, server, ctx.config.trustProxy);
      if (await ctx.throttle.blocked(username, ip)) {
        return loginPage(
          request,
          429,
          "Too many failed logins. Try again in a few minutes.",
          username,
          next,
        );
      }
      const user = username ? await ctx.users.byName(username) : undefined;
      if (!user || !(await ctx.users.verifyPassword(user, password))) {
        await ctx.throttle.failed(username, ip);
        return loginPage(request, 401, "Wrong username or password.", username, next);
      }
      await ctx.throttle.succeeded(username);
      return startSession(user.id, next);
    })
    .post("/logout", async ({ request, body }) => {
      const session = await currentSession(ctx, request);
      if (!session) return redirect("/login", [clearedSessionCookie(ctx)]);
      if (!csrfValid(session.csrfToken, presentedCsrf(request, body))) {
        return page("Invalid CSRF token", 403);
      }
      const token = readCookie(request, SESSION_COOKIE);
      if (token) await ctx.sessions.destroy(token);
      return redirect("/login", [clearedSessionCookie(ctx)]);
    })
    .get("/setup", async ({ request }) => {
      if ((await ctx.users.count()) > 0) return redirect("/login");
      return setupPage(request);
    })
    .post("/setup", async ({ request, body }) => {
      if ((await ctx.users.count()) > 0) return redirect("/login");
      const form = (body ?? {}) as Form;
      if (!preloginCsrfOk(request, form)) {
        return setupPage(request, 403, "Your form expired. Please try again.");
      }
      const username = String(form.username ?? "").trim();
      if (form.password !== form.password2) {
        return setupPage(request, 400, "The passwords differ.", username);
      }
      // Two first visitors racing must not both become admin.
      const lock = await ctx.edge.lock.acquire("first-run-setup", 10_000);
      if (!lock) return redirect("/setup");
      try {
        if ((await ctx.users.count()) > 0) return redirect("/login");
        const user = await ctx.users.create({
          username,
          password: String(form.password ?? ""),
          role: "admin",
        });
        return await startSession(user.id);
      } catch (err) {
        if (err instanceof DomainError) return setupPage(request, 400, err.message, username);
        throw err;
      } finally {
        await ctx.edge.lock.release("first-run-setup", lock);
      }
    });
}
