import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { adminRoutes } from "./admin.tsx";
import { authRoutes } from "./auth.tsx";
import { browseRoutes } from "./browse.tsx";
import { eventRoutes } from "./events.ts";
import { homeRoutes } from "./home.tsx";
import { jobPageRoutes } from "./jobs.tsx";
import { playerRoutes } from "./player.tsx";
import { playlistRoutes } from "./playlists.tsx";
import { profileRoutes } from "./profile.tsx";
import { queueRoutes } from "./queue.tsx";
import { shareRoutes } from "./share.tsx";
import { uploadPageRoutes } from "./upload.tsx";

/** The web app: server-rendered pages and the fragments htmx asks for. */
export function webRoutes(ctx: AppContext) {
  return new Elysia({ name: "web" })
    .use(authRoutes(ctx))
    .use(homeRoutes(ctx))
    .use(browseRoutes(ctx))
    .use(playerRoutes(ctx))
    .use(playlistRoutes(ctx))
    .use(queueRoutes(ctx))
    .use(eventRoutes(ctx))
    .use(shareRoutes(ctx))
    .use(adminRoutes(ctx))
    .use(profileRoutes(ctx))
    .use(uploadPageRoutes(ctx))
    .use(jobPageRoutes(ctx));
}
