import type { User } from "../../auth/users.ts";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import { httpStatus } from "../http-status.ts";
import { csrfValid, currentSession } from "../web/session.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The caller of a JSON API route: an API key (`X-API-Key` or `Authorization:
 * Bearer`), or a session cookie — which, on a state-changing method, must come
 * with the session's CSRF token in `X-CSRF-Token`.
 */
export async function apiUser(ctx: AppContext, request: Request, role?: "admin"): Promise<User> {
  const bearer = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const key = request.headers.get("x-api-key") ?? bearer;
  let user: User | undefined;
  if (key) {
    user = await ctx.apiKeys.userFor(key);
    if (!user) throw new ApiError(401, "unauthorized", "invalid API key");
  } else {
    const session = await currentSession(ctx, request);
    if (!session) throw new ApiError(401, "unauthorized", "log in or send an API key");
    if (
      !SAFE.has(request.method) &&
      !csrfValid(session.csrfToken, request.headers.get("x-csrf-token") ?? undefined)
    ) {
      throw new ApiError(403, "csrf", "missing or invalid X-CSRF-Token");
    }
    user = session.user;
  }
  if (role === "admin" && user.role !== "admin") {
    throw new ApiError(403, "forbidden", "this needs an admin");
  }
  return user;
}

/** Runs an API handler, turning known failures into `{ error: { code, message } }`. */
export async function api(fn: () => Promise<unknown>): Promise<Response> {
  try {
    const body = await fn();
    return body instanceof Response ? body : Response.json(body);
  } catch (err) {
    if (err instanceof ApiError) {
      return Response.json(
        { error: { code: err.code, message: err.message } },
        { status: err.status },
      );
    }
    if (err instanceof DomainError) {
      return Response.json(
        { error: { code: err.kind, message: err.message } },
        { status: httpStatus(err) },
      );
    }
    throw err;
  }
}

export function intParam(
  value: string | null,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === null || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ApiError(400, "invalid", `${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}
