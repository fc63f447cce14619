import { createApp } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { type AppContext, createContext, describeAdapters } from "./context.ts";
import { SCHEDULES } from "./jobs/registry.ts";
import { subsonicServeRoutes } from "./routes/subsonic/index.ts";

/** Opens the database (migrations first), creates the configured admin, listens. */
export async function start(ctx: AppContext) {
  await ctx.database.open();
  if (await ctx.users.ensureAdmin(ctx.config.adminUser, ctx.config.adminPassword)) {
    ctx.log.info("created admin user", { username: ctx.config.adminUser });
  }
  await ctx.library.syncFolders();
  for (const schedule of SCHEDULES) await ctx.queue.schedule(schedule);
  const app = createApp(ctx);
  const server = Bun.serve({
    port: ctx.config.port,
    // Subsonic requests go straight to their handler; everything else through Elysia.
    routes: subsonicServeRoutes(ctx),
    fetch: app.fetch,
    // Uploads are streamed to disk, so a large body costs no memory; each file is still capped.
    maxRequestBodySize: ctx.config.uploadMaxBytes * 20,
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.log.info(`${signal}: stopping`);
    // The dispatcher first: its deliveries in flight are requests to this server.
    await ctx.queue.stop();
    // stop(false) refuses new connections and waits for requests in flight.
    await server.stop(false);
    await ctx.edge.close();
    await ctx.library.close();
    ctx.database.close();
    ctx.log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  ctx.log.info(`Bandstand listening on ${server.url} (public URL ${ctx.config.publicUrl})`);
  ctx.log.info(`adapters: ${describeAdapters(ctx)}`);
  if ((await ctx.users.count()) === 0) {
    ctx.log.info(`no user yet: open ${ctx.config.publicUrl}/setup to create the admin`);
  }
  ctx.queue.start();
  // Scan at start: joins a scan left unfinished by a crash instead of starting another.
  await ctx.jobs.enqueue("scan");

  return server;
}

if (import.meta.main) {
  try {
    const config = loadConfig();
    await start(createContext(config));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}
