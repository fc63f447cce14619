/** Subsonic parameters come from the query string and, with formPost, the form body. */
export async function subsonicParams(request: Request): Promise<URLSearchParams> {
  const params = new URL(request.url).searchParams;
  const type = request.headers.get("content-type") ?? "";
  if (request.method === "POST" && type.startsWith("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams(await request.text())) params.append(k, v);
  }
  return params;
}
