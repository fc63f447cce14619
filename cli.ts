import { createApp } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { type AppContext, createContext } from "./context.ts";
import { DomainError } from "./errors.ts";
import { startScan } from "./jobs/registry.ts";
import { createLogger } from "./log.ts";

const USAGE = `Usage: bun run bandstand <command>

  user add NAME [--admin] [--password P]   create a user (password read from stdin when not given)
  user passwd NAME [--password P]          set a user's password (web and Subsonic)
  user list                                list users and roles
  apikey create USER [--name LABEL]        create an OpenSubsonic API key for USER (shown once)
  scan [--full] [--wait]                   scan the music folders (--wait: run it here, show progress,
                                           exit non-zero if it fails)
  migrate                                  apply database migrations
`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--")) throw new UsageError(`${name} needs a value`);
  args.splice(i, 2);
  return value;
}

function bool(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
}

class UsageError extends Error {}

/** A password from --password, else the first line of stdin (prompted on a terminal). */
async function readPassword(args: string[]): Promise<string> {
  const given = flag(args, "--password");
  if (given !== undefined) return given;
  if (process.stdin.isTTY) {
    const answer = prompt("Password:");
    if (!answer) throw new UsageError("no password given");
    return answer;
  }
  for await (const line of console) return line;
  throw new UsageError("no password on stdin");
}

async function run(ctx: AppContext, args: string[]): Promise<void> {
  const [group, action, ...rest] = args;
  const name = rest.find((a) => !a.startsWith("--"));
  if (group === "migrate") return; // open() already migrated
  if (group === "user" && action === "add" && name) {
    const admin = bool(rest, "--admin");
    const password = await readPassword(rest);
    const user = await ctx.users.create({
      username: name,
      password,
      role: admin ? "admin" : "user",
    });
    console.log(`created ${user.role} "${user.username}"`);
    return;
  }
  if (group === "user" && action === "passwd" && name) {
    await ctx.users.setPassword(name, await readPassword(rest));
    console.log(`password of "${name}" changed`);
    return;
  }
  if (group === "user" && action === "list") {
    for (const u of await ctx.users.list()) console.log(`${u.username}\t${u.role}`);
    return;
  }
  if (group === "apikey" && action === "create" && name) {
    const label = flag(rest, "--name") ?? "cli";
    const user = await ctx.users.byName(name);
    if (!user) throw new DomainError("not_found", `no user "${name}"`);
    const { key } = await ctx.apiKeys.create(user.id, label);
    console.log(key);
    return;
  }
  if (group === "scan") {
    return scan(ctx, args.includes("--full"), args.includes("--wait"));
  }
  throw new UsageError(USAGE);
}

/**
 * Enqueues a scan. With --wait this process also delivers job messages itself
 * (in-process, signed like any other), so it works with or without a server
 * running; rows are claimed atomically, so both never run the same chunk.
 */
async function scan(ctx: AppContext, full: boolean, wait: boolean): Promise<void> {
  await ctx.library.syncFolders();
  const job = await startScan(ctx, full);
  console.log(`scan job ${job.id} (${job.state})`);
  if (!wait) return;
  ctx.queue.start();
  let last = "";
  for (;;) {
    const now = await ctx.jobs.get(job.id);
    if (!now) throw new Error("the scan job vanished");
    const line = `${now.state} ${now.done}${now.total ? `/${now.total}` : ""} (${now.progress.toFixed(0)}%)`;
    if (line !== last) console.log(line);
    last = line;
    if (now.state === "finished") {
      console.log(`done: ${now.result}`);
      return;
    }
    if (now.state === "failed" || now.state === "canceled") {
      throw new ScanFailed(`scan ${now.state}${now.error ? `: ${now.error}` : ""}`);
    }
    await Bun.sleep(250);
  }
}

class ScanFailed extends Error {}

if (import.meta.main) {
  const args = process.argv.slice(2);
  if (args.length === 0 || args[0] === "--help" || args[0] === "help") {
    console.log(USAGE);
    process.exit(args.length === 0 ? 1 : 0);
  }
  let ctx: AppContext | undefined;
  try {
    let app: ReturnType<typeof createApp> | undefined;
    ctx = createContext(loadConfig(), {
      log: createLogger("warn"),
      dispatcherFetch: (request) => (app ? app.handle(request) : fetch(request)),
    });
    app = createApp(ctx);
    await ctx.database.open();
    await run(ctx, args);
    process.exitCode = 0;
  } catch (err) {
    if (
      err instanceof UsageError ||
      err instanceof DomainError ||
      err instanceof ConfigError ||
      err instanceof ScanFailed
    ) {
      console.error(err.message);
      process.exitCode = err instanceof UsageError ? 64 : 1;
    } else {
      throw err;
    }
  } finally {
    await ctx?.queue.stop();
    await ctx?.edge.close();
    await ctx?.library.close();
    ctx?.database.close();
  }
}
