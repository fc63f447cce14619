type Server = { requestIP(request: Request): { address: string } | null } | null | undefined;

/** The client's address; X-Forwarded-For only when configured to trust a proxy. */
export function clientIp(request: Request, server: Server, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  return server?.requestIP(request)?.address ?? "local";
}
