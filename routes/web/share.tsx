import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { tracksByIds } from "../../library/queries.ts";
import { shareById, shareHoldsTrack, visitShare } from "../../library/shares.ts";
import { resolveInside } from "../../library/walk.ts";

const HTML = { "content-type": "text/html; charset=utf-8" };

function SharePage(props: {
  description: string | null;
  owner: string;
  shareId: string;
  tracks: { id: number; title: string; artist: string; album: string | null }[];
}) {
  const heading = props.description || `Shared by ${props.owner}`;
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title safe>{`${heading} · Bandstand`}</title>
          <link rel="stylesheet" href="/public/app.css" />
        </head>
        <body>
          <main id="main">
            <h1 safe>{heading}</h1>
            <ol class="share-tracks">
              {props.tracks.map((t) => (
                <li>
                  <span class="title" safe>
                    {t.title}
                  </span>{" "}
                  —{" "}
                  <span class="artist" safe>
                    {t.artist}
                  </span>
                  {t.album && (
                    <>
                      {" "}
                      (
                      <span class="album" safe>
                        {t.album}
                      </span>
                      )
                    </>
                  )}
                  {/* biome-ignore lint/a11y/useMediaCaption: music tracks; the title above labels it. */}
                  <audio
                    controls="controls"
                    preload="none"
                    src={`/share/${props.shareId}/stream/tr-${t.id}`}
                  ></audio>
                </li>
              ))}
            </ol>
          </main>
        </body>
      </html>
    </>
  );
}

async function notFoundPage(): Promise<Response> {
  const html = await (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>Not found · Bandstand</title>
        </head>
        <body>
          <h1>This share does not exist or has expired.</h1>
        </body>
      </html>
    </>
  );
  return new Response(html, { status: 404, headers: HTML });
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range, or undefined when unsatisfiable. */
function byteRange(header: string, size: number): [number, number] | undefined {
  const m = header.match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start <= end && start < size ? [start, end] : undefined;
}

/**
 * Public share links: a page listing the shared tracks, and a stream of each.
 * No login: the unguessable share id is the credential, so a stream answers only
 * for tracks inside that share, and only while it has not expired.
 */
export function shareRoutes(ctx: AppContext) {
  const db = ctx.database;
  return new Elysia({ name: "web-share" })
    .get("/share/:id", async ({ params }) => {
      const trackIds = await visitShare(db, params.id);
      const share = trackIds && (await shareById(db, params.id));
      if (!trackIds || !share) return notFoundPage();
      const tracks = await tracksByIds(db, trackIds);
      const html = await (
        <SharePage
          description={share.description}
          owner={share.username}
          shareId={share.id}
          tracks={tracks}
        />
      );
      return new Response(html, { headers: HTML });
    })
    .get("/share/:id/stream/:trackId", async ({ params, request }) => {
      const m = params.trackId.match(/^tr-(\d{1,15})$/);
      const trackId = m ? Number(m[1]) : undefined;
      if (trackId === undefined || !(await shareHoldsTrack(db, params.id, trackId))) {
        return notFoundPage();
      }
      const [track] = await tracksByIds(db, [trackId]);
      const folder = track && (await ctx.library.folder(track.folderId));
      const abs = folder && track ? resolveInside(folder.path, track.path) : undefined;
      const file = abs ? Bun.file(abs) : undefined;
      if (!track || !file || !(await file.exists())) return notFoundPage();
      const size = file.size;
      const headers = {
        "content-type": track.contentType,
        "accept-ranges": "bytes",
        "cache-control": "private, max-age=3600",
      };
      const rangeHeader = request.headers.get("range");
      if (!rangeHeader) {
        return new Response(file, { headers: { ...headers, "content-length": String(size) } });
      }
      const range = byteRange(rangeHeader, size);
      if (!range) {
        return new Response(null, {
          status: 416,
          headers: { ...headers, "content-range": `bytes */${size}` },
        });
      }
      const [start, end] = range;
      return new Response(file.slice(start, end + 1), {
        status: 206,
        headers: {
          ...headers,
          "content-length": String(end - start + 1),
          "content-range": `bytes ${start}-${end}/${size}`,
        },
      });
    });
}
