import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../app.ts";
import { loadConfig } from "../../config.ts";
import { type AppContext, type ContextOptions, createContext } from "../../context.ts";
import type { LocalDispatcher } from "../../jobs/local-dispatcher.ts";
import { createLogger } from "../../log.ts";

export const PUBLIC_URL = "http://bandstand.test";

export interface TestApp {
  ctx: AppContext;
  app: ReturnType<typeof createApp>;
  dataDir: string;
  /** Calls the app in-process; `path` is relative to PUBLIC_URL. */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export function tempDir(prefix = "bandstand-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A full app on a fresh libSQL file in a temp dir; the dispatcher delivers in-process. */
export async function startTestApp(
  env: Record<string, string> = {},
  options: ContextOptions & { dataDir?: string } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? tempDir();
  const config = loadConfig({
    BANDSTAND_DATA_DIR: dataDir,
    BANDSTAND_MUSIC_DIR: join(dataDir, "music"),
    PUBLIC_URL,
    LOG_LEVEL: "error",
    ...env,
  });
  let app: ReturnType<typeof createApp> | undefined;
  const ctx = createContext(config, {
    log: createLogger("error"),
    dispatcherFetch: (r) => (app ? app.handle(r) : Promise.reject(new Error("app not ready"))),
    dispatcherPollMs: 20,
    dispatcherBackoffBaseMs: 20,
    ...options,
  });
  await ctx.database.open();
  app = createApp(ctx);
  const built = app;
  return {
    ctx,
    app: built,
    dataDir,
    request: (path, init) => built.handle(new Request(`${PUBLIC_URL}${path}`, init)),
    async close() {
      await ctx.queue.stop();
      await ctx.edge.close();
      await ctx.library.close();
      ctx.database.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates a user (password "pass-word") and returns a fresh API key of theirs. */
export async function userWithKey(
  t: TestApp,
  username: string,
  role: "admin" | "user" = "user",
): Promise<string> {
  const user = await t.ctx.users.create({ username, password: "pass-word", role });
  return (await t.ctx.apiKeys.create(user.id, "test")).key;
}

/** Scans the configured music folders through the job system and waits until it finished. */
export async function scanLibrary(t: TestApp, maxMs = 120_000): Promise<void> {
  await t.ctx.library.syncFolders();
  const job = await t.ctx.jobs.enqueue("scan", {});
  await (t.ctx.queue as LocalDispatcher).drain(maxMs);
  const done = await t.ctx.jobs.get(job.id);
  if (done?.state !== "finished") throw new Error(`scan ${done?.state}: ${done?.error}`);
}

export interface WebSession {
  userId: number;
  cookie: string;
  csrf: string;
  /** An in-process request with the session cookie (and, on POST, the CSRF header). */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A form POST with the CSRF field. */
  form(path: string, fields?: Record<string, string>): Promise<Response>;
}

/** Creates a user (password "pass-word") with a logged-in web session. */
export async function webSession(
  t: TestApp,
  username: string,
  role: "admin" | "user" = "user",
): Promise<WebSession> {
  const user =
    (await t.ctx.users.byName(username)) ??
    (await t.ctx.users.create({ username, password: "pass-word", role }));
  const { token, csrfToken } = await t.ctx.sessions.create(user.id);
  const cookie = `bandstand_session=${token}`;
  const request = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("cookie", cookie);
    if (init.method && init.method !== "GET" && !headers.has("x-csrf-token")) {
      headers.set("x-csrf-token", csrfToken);
    }
    return t.request(path, { ...init, headers });
  };
  return {
    userId: user.id,
    cookie,
    csrf: csrfToken,
    request,
    form: (path, fields = {}) =>
      t.request(path, {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrfToken, ...fields }).toString(),
      }),
  };
}
