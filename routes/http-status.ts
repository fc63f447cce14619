import type { DomainError } from "../errors.ts";

/** The HTTP status of a domain failure, the same for pages and the JSON API. */
export function httpStatus(err: DomainError): number {
  return STATUS[err.kind];
}

const STATUS: Record<DomainError["kind"], number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
};
