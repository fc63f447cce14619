import { DomainError } from "../../errors.ts";
import { httpStatus } from "../http-status.ts";
import { HTML } from "./page.ts";

/** A form field exactly as sent (passwords are not trimmed), "" when absent. */
export function rawField(body: unknown, name: string): string {
  if (!body || typeof body !== "object") return "";
  const v = (body as Record<string, unknown>)[name];
  return typeof v === "string" ? v : "";
}

/**
 * Runs a form action; a domain failure (bad input, duplicate name, last admin …) comes back as
 * `{ error, status }` for the page to show next to its form, anything else is rethrown.
 */
export async function attempt<T>(
  work: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: string; status: number }> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    if (err instanceof DomainError)
      return { ok: false, error: err.message, status: httpStatus(err) };
    throw err;
  }
}

/**
 * A full page answering a POST directly (an error next to its form, or a key shown once).
 * htmx would put the POST's path into the address bar; `HX-Push-Url` puts the page's own.
 */
export function pageAnswer(body: string, status: number, url: string): Response {
  return new Response(body, { status, headers: { ...HTML, "HX-Push-Url": url } });
}
