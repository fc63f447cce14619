/** Subsonic parameters come from the query string and, with formPost, the form body. */
export async function subsonicParams(request: Request): Promise<URLSearchParams> {
  // The query string alone: parsing the whole URL costs more and gives nothing more here.
  const url = request.url;
  const q = url.indexOf("?");
  const hash = url.indexOf("#", q + 1);
  const params = new URLSearchParams(q < 0 ? "" : url.slice(q + 1, hash < 0 ? undefined : hash));
  if (request.method === "POST") {
    const type = request.headers.get("content-type") ?? "";
    if (type.startsWith("application/x-www-form-urlencoded")) {
      for (const [k, v] of new URLSearchParams(await request.text())) params.append(k, v);
    }
  }
  return params;
}
