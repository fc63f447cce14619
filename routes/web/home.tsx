import { count } from "drizzle-orm";
import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { albums, artists, tracks } from "../../db/schema.ts";
import { Layout } from "../../views/layout.tsx";
import { currentSession, redirect } from "./session.ts";

/** The home page: the entry point of the web app. */
export function homeRoutes(ctx: AppContext) {
  return new Elysia({ name: "web-home" }).get("/", async ({ request }) => {
    if ((await ctx.users.count()) === 0) return redirect("/setup");
    const session = await currentSession(ctx, request);
    if (!session) return redirect("/login");
    const db = ctx.database.db;
    const [[t], [al], [ar]] = await Promise.all([
      db.select({ n: count() }).from(tracks),
      db.select({ n: count() }).from(albums),
      db.select({ n: count() }).from(artists),
    ]);
    const html = await (
      <Layout title="Home" user={session.user} csrfToken={session.csrfToken}>
        <h1 safe>{`Welcome, ${session.user.username}`}</h1>
        <ul class="stats" aria-label="Library">
          <li>{t?.n ?? 0} tracks</li>
          <li>{al?.n ?? 0} albums</li>
          <li>{ar?.n ?? 0} artists</li>
        </ul>
      </Layout>
    );
    return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
  });
}
