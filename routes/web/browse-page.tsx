import type { AppContext } from "../../context.ts";
import { type Database, LIBRARY_FAMILY } from "../../db/client.ts";
import { DomainError } from "../../errors.ts";
import type { ArtistView } from "../../library/queries.ts";
import { Layout, type Section } from "../../views/layout.tsx";
import { coverUrl } from "../../views/tracks.tsx";
import { guarded, html, type Web } from "./page.ts";

/** What a browsing page builds: the layout wraps it. */
export interface PageOut {
  title: string;
  section?: Section;
  /** The search box's text (the search page). */
  query?: string;
  body: JSX.Element;
  status?: number;
}

/**
 * A signed-in, full page at its own URL (htmx picks `#main` out of it on boosted navigation).
 * An unknown id or a bad parameter answers a whole page too — a 404 or 400 with the layout and
 * the message — so a shared link to a deleted album still shows where the user is.
 */
export function browsePage(
  ctx: AppContext,
  request: Request,
  build: (web: Web) => Promise<PageOut | Response>,
): Promise<Response> {
  return guarded(ctx, { request }, async (web) => {
    const { user, csrfToken } = web.session;
    let out: PageOut | Response;
    try {
      out = await build(web);
    } catch (err) {
      if (!(err instanceof DomainError) || (err.kind !== "not_found" && err.kind !== "invalid")) {
        throw err;
      }
      const notFound = err.kind === "not_found";
      out = {
        title: notFound ? "Not found" : "Bad request",
        status: notFound ? 404 : 400,
        body: (
          <section class="problem">
            <h1>{notFound ? "Not found" : "Bad request"}</h1>
            <p role="alert" safe>
              {err.message}
            </p>
            <p>
              <a href="/">Back to the home page</a>
            </p>
          </section>
        ),
      };
    }
    if (out instanceof Response) return out;
    const page = await (
      <Layout
        title={out.title}
        user={user}
        csrfToken={csrfToken}
        section={out.section}
        query={out.query}
      >
        {out.body}
      </Layout>
    );
    return html(page, out.status ?? 200);
  });
}

/** A positive page number from `?page=` (1 when absent), or a 400. */
export function pageParam(url: URL): number {
  const raw = url.searchParams.get("page");
  if (raw === null || raw === "") return 1;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1) {
    throw new DomainError("invalid", "page must be a positive number");
  }
  return Number(raw);
}

/** "Previous" / "Next" links of a paged list. */
export function Pager(props: {
  label: string;
  page: number;
  more: boolean;
  href: (page: number) => string;
}) {
  if (props.page <= 1 && !props.more) return "";
  return (
    <nav class="pager browse-pager" aria-label={props.label}>
      {props.page > 1 ? (
        <a href={props.href(props.page - 1)} rel="prev">
          Previous page
        </a>
      ) : (
        <span />
      )}
      <span class="page-no">{`Page ${props.page}`}</span>
      {props.more ? (
        <a href={props.href(props.page + 1)} rel="next">
          Next page
        </a>
      ) : (
        <span />
      )}
    </nav>
  );
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export { plural };

/** Artists as links with their album counts. */
export function ArtistList(props: { artists: ArtistView[]; label: string; covers?: boolean }) {
  if (props.artists.length === 0) return <p class="empty">No artists.</p>;
  return (
    <ul class="artist-list" aria-label={props.label}>
      {props.artists.map((a) => (
        <li>
          <a href={`/artists/${a.id}`}>
            {props.covers && (
              <img
                src={coverUrl(a.coverArtId, `ar-${a.id}`, 64)}
                alt=""
                width="40"
                height="40"
                loading="lazy"
              />
            )}
            <span safe>{a.name}</span>
          </a>
          <span class="count">{plural(a.albumCount, "album")}</span>
        </li>
      ))}
    </ul>
  );
}

/** A genre page's URL (names may hold any character). */
export const genreHref = (name: string) => `/genres/${encodeURIComponent(name)}`;

/** "5 min ago", "yesterday", or the date, for a timestamp in ms; `now` for tests. */
export function ago(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return "just now";
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.floor(h / 24);
  if (d === 1) return "yesterday";
  if (d < 7) return `${d} days ago`;
  return new Date(at).toISOString().slice(0, 10);
}

const parts = new WeakMap<Database, { token: string; html: Map<string, string> }>();

/**
 * A rendered part of a page that depends on the library alone, never on the user (the artist
 * index, the genre list): rendered once and kept until the library changes — any commit turns
 * the freshness token. The token is read before rendering, so a part rendered across a write
 * lands in an entry the next request already discards.
 */
export async function libraryPart(
  database: Database,
  key: string,
  render: () => JSX.Element,
): Promise<string> {
  const token = await database.freshness(LIBRARY_FAMILY);
  let cache = parts.get(database);
  if (cache?.token !== token) {
    cache = { token, html: new Map() };
    parts.set(database, cache);
  }
  const kept = cache.html.get(key);
  if (kept !== undefined) return kept;
  const rendered = await render();
  cache.html.set(key, rendered);
  return rendered;
}

/** Forgets every kept part (the benchmark measures the rendering itself with it). */
export function forgetLibraryParts(database: Database): void {
  parts.delete(database);
}
