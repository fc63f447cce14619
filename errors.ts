/** Failures of domain code, mapped to HTTP or Subsonic codes by the routes. */
export type DomainErrorKind = "invalid" | "not_found" | "conflict" | "forbidden" | "rate_limited";

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}
