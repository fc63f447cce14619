import type { ActiveSession } from "../../auth/sessions.ts";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import { ErrorPage } from "../../views/error-page.tsx";
import { httpStatus } from "../http-status.ts";
import { csrfValid, currentSession, presentedCsrf, redirect } from "./session.ts";

export const HTML = { "content-type": "text/html; charset=utf-8" };

export function html(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...HTML, ...headers } });
}

/**
 * An htmx request of an element of ours (not a boosted link or form, not the history restore
 * that wants the whole page): answer a fragment.
 */
export function wantsFragment(request: Request): boolean {
  const h = request.headers;
  return (
    h.get("hx-request") === "true" && !h.has("hx-boosted") && !h.has("hx-history-restore-request")
  );
}

/** What a signed-in page handler gets. */
export interface Web {
  session: ActiveSession;
  request: Request;
  url: URL;
  body: unknown;
}

export interface GuardOptions {
  admin?: boolean;
}

const SAFE = new Set(["GET", "HEAD"]);

/**
 * A failed request's answer. A fragment request (htmx, not a boosted navigation) gets the
 * message retargeted into the shell's #flash region, so it never replaces the part that asked;
 * a page request gets a full error page, which a boosted swap shows in #main.
 */
async function failure(
  request: Request,
  session: ActiveSession,
  status: number,
  message: string,
): Promise<Response> {
  if (wantsFragment(request)) {
    return html(`<p class="error" role="alert">${Bun.escapeHTML(message)}</p>`, status, {
      "HX-Retarget": "#flash",
      "HX-Reswap": "innerHTML",
    });
  }
  const page = await ErrorPage({
    user: session.user,
    csrfToken: session.csrfToken,
    status,
    message,
  });
  return html(page, status);
}

/**
 * Every web route that needs a user goes through this: no session → the login page
 * (remembering where the user was going), a state-changing method needs the session's
 * CSRF token (form field `_csrf` or htmx's `X-CSRF-Token` header), admin pages need the role,
 * and domain errors become their HTTP status instead of a 500.
 */
export async function guarded(
  ctx: AppContext,
  input: { request: Request; body?: unknown },
  fn: (web: Web) => Promise<Response | string> | Response | string,
  options: GuardOptions = {},
): Promise<Response> {
  const { request } = input;
  const url = new URL(request.url);
  const session = await currentSession(ctx, request);
  if (!session) {
    const here = url.pathname + url.search;
    const next =
      SAFE.has(request.method) && here !== "/" ? `?next=${encodeURIComponent(here)}` : "";
    if (request.headers.has("hx-request")) {
      return new Response(null, { status: 204, headers: { "HX-Redirect": `/login${next}` } });
    }
    return redirect(`/login${next}`);
  }
  if (
    !SAFE.has(request.method) &&
    !csrfValid(session.csrfToken, presentedCsrf(request, input.body))
  ) {
    return failure(request, session, 403, "Your form expired. Reload the page and try again.");
  }
  if (options.admin && session.user.role !== "admin") {
    return failure(request, session, 403, "This page is for admins.");
  }
  try {
    const out = await fn({ session, request, url, body: input.body });
    return typeof out === "string" ? html(out) : out;
  } catch (err) {
    if (err instanceof DomainError) return failure(request, session, httpStatus(err), err.message);
    throw err;
  }
}

/** A positive integer route parameter, or a 404-worthy DomainError. */
export function idParam(raw: string | undefined, what: string): number {
  if (!raw || !/^\d{1,15}$/.test(raw)) throw new DomainError("not_found", `${what} not found`);
  return Number(raw);
}

/** A form or query field as a trimmed string ("" when absent). */
export function field(body: unknown, name: string): string {
  if (!body || typeof body !== "object") return "";
  const v = (body as Record<string, unknown>)[name];
  return typeof v === "string" ? v.trim() : "";
}

/**
 * The success message a redirect asked for (`?done=…`, with `name=…` where the text names
 * something), looked up in a fixed table: any other `done` shows nothing.
 */
export function doneNotice(
  url: URL,
  messages: ReadonlyMap<string, (name: string) => string>,
): string | undefined {
  return messages.get(url.searchParams.get("done") ?? "")?.(url.searchParams.get("name") ?? "");
}
