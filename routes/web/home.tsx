import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { type AlbumListType, albumList } from "../../library/browse.ts";
import { albumsByIds } from "../../library/queries.ts";
import { AlbumGrid } from "../../views/albums.tsx";
import { browsePage } from "./browse-page.tsx";
import { guarded } from "./page.ts";
import { currentSession, redirect } from "./session.ts";

/** Albums per home section. */
const SHELF = 12;

async function shelf(ctx: AppContext, userId: number, type: AlbumListType) {
  const ids = await albumList(ctx.database, { type, userId, size: SHELF, offset: 0 });
  return albumsByIds(ctx.database, ids);
}

/**
 * One row of albums with a heading and a link to the full list. `live` makes it refresh itself
 * when a library job finishes (the SSE `library` event bubbles to body), so a finished import
 * shows its album on an open home page.
 */
async function Shelf(props: {
  ctx: AppContext;
  userId: number;
  type: AlbumListType;
  id: string;
  title: string;
  more: string;
  empty: string;
  live?: boolean;
}) {
  const albums = await shelf(props.ctx, props.userId, props.type);
  const live = props.live
    ? {
        "hx-get": `/web/home/${props.id}`,
        "hx-trigger": "library from:body throttle:1s",
        "hx-swap": "outerSync",
      }
    : {};
  return (
    <section class="shelf" id={`shelf-${props.id}`} aria-labelledby={`h-${props.id}`} {...live}>
      <div class="shelf-head">
        <h2 id={`h-${props.id}`}>{props.title}</h2>
        <a href={props.more}>{`All ${props.title.toLowerCase()}`}</a>
      </div>
      {albums.length === 0 ? (
        <p class="empty">{props.empty}</p>
      ) : (
        <AlbumGrid albums={albums} label={props.title} />
      )}
    </section>
  );
}

const SHELVES = {
  recent: {
    type: "newest",
    title: "Recently added",
    more: "/albums?sort=newest",
    empty: "No albums yet: scan a music folder or upload some music.",
    live: true,
  },
  played: {
    type: "recent",
    title: "Recently played",
    more: "/albums?sort=recent",
    empty: "Nothing played yet.",
  },
  frequent: {
    type: "frequent",
    title: "Most played",
    more: "/albums?sort=frequent",
    empty: "Nothing played yet.",
  },
  random: {
    type: "random",
    title: "Random albums",
    more: "/albums?sort=random",
    empty: "No albums yet.",
  },
} satisfies Record<
  string,
  { type: AlbumListType; title: string; more: string; empty: string; live?: boolean }
>;

/** The home page: shelves of recently added, recently played, most played and random albums. */
export function homeRoutes(ctx: AppContext) {
  return new Elysia({ name: "web-home" })
    .get("/", async ({ request }) => {
      // First run: no account yet, the setup page creates the admin.
      if ((await ctx.users.count()) === 0) return redirect("/setup");
      if (!(await currentSession(ctx, request))) return redirect("/login");
      return browsePage(ctx, request, async ({ session }) => {
        const userId = session.user.id;
        return {
          title: "Home",
          section: "home",
          body: (
            <>
              <h1 safe>{`Welcome, ${session.user.username}`}</h1>
              {Object.entries(SHELVES).map(([id, s]) => (
                <Shelf ctx={ctx} userId={userId} id={id} {...s} />
              ))}
            </>
          ),
        };
      });
    })
    .get("/web/home/recent", ({ request }) =>
      guarded(ctx, { request }, ({ session }) => (
        <Shelf ctx={ctx} userId={session.user.id} id="recent" {...SHELVES.recent} />
      )),
    );
}
