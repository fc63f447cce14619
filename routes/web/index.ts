import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { authRoutes } from "./auth.tsx";
import { eventRoutes } from "./events.ts";
import { homeRoutes } from "./home.tsx";
import { playerRoutes } from "./player.tsx";
import { shareRoutes } from "./share.tsx";

/** The web app: server-rendered pages and the fragments htmx asks for. */
export function webRoutes(ctx: AppContext) {
  return new Elysia({ name: "web" })
    .use(authRoutes(ctx))
    .use(homeRoutes(ctx))
    .use(playerRoutes(ctx))
    .use(eventRoutes(ctx))
    .use(shareRoutes(ctx));
}
