import { type ActiveSession, SESSION_COOKIE, SESSION_TTL_MS } from "../../auth/sessions.ts";
import { randomToken, safeEqual } from "../../auth/tokens.ts";
import type { AppContext } from "../../context.ts";

/** Before login there is no session: the login form uses a double-submit cookie. */
export const PRELOGIN_CSRF_COOKIE = "bandstand_csrf";

export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name)
      return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function cookie(
  ctx: AppContext,
  name: string,
  value: string,
  maxAgeSeconds: number,
): string {
  const secure = ctx.config.publicUrl.startsWith("https:") ? "; Secure" : "";
  return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

export function sessionCookie(ctx: AppContext, token: string): string {
  return cookie(ctx, SESSION_COOKIE, token, Math.floor(SESSION_TTL_MS / 1000));
}

export function clearedSessionCookie(ctx: AppContext): string {
  return cookie(ctx, SESSION_COOKIE, "", 0);
}

export function currentSession(
  ctx: AppContext,
  request: Request,
): Promise<ActiveSession | undefined> {
  return ctx.sessions.lookup(readCookie(request, SESSION_COOKIE));
}

/** The token a state-changing request presents: the form field or htmx's header. */
export function presentedCsrf(request: Request, body: unknown): string | undefined {
  const field =
    body && typeof body === "object" && "_csrf" in body
      ? (body as { _csrf: unknown })._csrf
      : undefined;
  return (
    (typeof field === "string" ? field : undefined) ??
    request.headers.get("x-csrf-token") ??
    undefined
  );
}

export function csrfValid(expected: string | undefined, presented: string | undefined): boolean {
  return !!expected && !!presented && safeEqual(expected, presented);
}

/** The pre-login CSRF token: reuse the cookie's, or mint one and say to set it. */
export function preloginCsrf(
  ctx: AppContext,
  request: Request,
): { token: string; setCookie?: string } {
  const existing = readCookie(request, PRELOGIN_CSRF_COOKIE);
  if (existing) return { token: existing };
  const token = randomToken();
  return { token, setCookie: cookie(ctx, PRELOGIN_CSRF_COOKIE, token, 3600) };
}

/** Where to go after login or a plain form: only a path on this site (never `//host` or a scheme). */
export function safeNext(raw: string | null | undefined): string {
  return raw && /^\/(?![/\\])/.test(raw) ? raw : "/";
}

/**
 * Back to the page a plain (no-JavaScript) form was posted from: the Referer when it is a page of
 * this site (as the request reached us, or at its public URL behind a proxy), else the home page.
 */
export function redirectBack(request: Request, publicUrl: string): Response {
  const referer = URL.parse(request.headers.get("referer") ?? "");
  const ours = [new URL(request.url).origin, URL.parse(publicUrl)?.origin];
  const same = referer && ours.includes(referer.origin);
  return redirect(same ? safeNext(referer.pathname + referer.search) : "/");
}

/** A 303 to `location`, setting the given cookies (after a POST, or to send a visitor elsewhere). */
export function redirect(location: string, setCookies: string[] = []): Response {
  const headers = new Headers({ location });
  for (const c of setCookies) headers.append("set-cookie", c);
  return new Response(null, { status: 303, headers });
}
