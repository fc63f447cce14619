import { Elysia } from "elysia";
import type { Config } from "../../config.ts";
import { type AppContext, describeAdapters } from "../../context.ts";
import { AdminPage } from "../../views/admin.tsx";
import { Layout } from "../../views/layout.tsx";
import { adminLibraryRoutes } from "./admin-library.tsx";
import { adminUserRoutes } from "./admin-users.tsx";
import { guarded } from "./page.ts";

export interface SettingRow {
  variable: string;
  value: string;
  secret?: boolean;
}

const HIDDEN = "set (hidden)";
const hidden = (v: unknown) => (v ? HIDDEN : "not set");
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** A URL with any password, user name or query values (tokens hide there) masked. */
export function maskUrl(raw: string | undefined): string {
  if (!raw) return "not set";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return HIDDEN;
  }
  const keys = [...url.searchParams.keys()];
  if (!url.username && !url.password && keys.length === 0) return raw;
  if (url.username) url.username = "***";
  if (url.password) url.password = "***";
  for (const key of keys) url.searchParams.set(key, "***");
  return url.toString().replaceAll("%2A", "*");
}

/** The effective configuration as variable → value; secrets are never included, only whether set. */
export function settingRows(config: Config): SettingRow[] {
  return [
    { variable: "PORT", value: String(config.port) },
    { variable: "PUBLIC_URL", value: maskUrl(config.publicUrl) },
    { variable: "BANDSTAND_DATA_DIR", value: config.dataDir },
    { variable: "BANDSTAND_MUSIC_DIR", value: config.musicDirs.join(":") },
    { variable: "DATABASE_URL", value: maskUrl(config.databaseUrl) },
    { variable: "DATABASE_AUTH_TOKEN", value: hidden(config.databaseAuthToken), secret: true },
    { variable: "DATABASE_SYNC_URL", value: maskUrl(config.databaseSyncUrl) },
    { variable: "BANDSTAND_SECRET", value: HIDDEN, secret: true },
    { variable: "BANDSTAND_ADMIN_USER", value: config.adminUser ?? "not set" },
    { variable: "BANDSTAND_ADMIN_PASSWORD", value: hidden(config.adminPassword), secret: true },
    { variable: "UPSTASH_REDIS_REST_URL", value: maskUrl(config.upstashRedis?.url) },
    {
      variable: "UPSTASH_REDIS_REST_TOKEN",
      value: hidden(config.upstashRedis?.token),
      secret: true,
    },
    { variable: "REDIS_URL", value: maskUrl(config.redisUrl) },
    { variable: "QSTASH_TOKEN", value: hidden(config.qstash?.token), secret: true },
    { variable: "QSTASH_URL", value: maskUrl(config.qstash?.url) },
    {
      variable: "QSTASH_CURRENT_SIGNING_KEY",
      value: hidden(config.qstash?.currentSigningKey),
      secret: true,
    },
    {
      variable: "QSTASH_NEXT_SIGNING_KEY",
      value: hidden(config.qstash?.nextSigningKey),
      secret: true,
    },
    { variable: "FFMPEG_PATH", value: config.ffmpegPath },
    { variable: "BANDSTAND_UPLOAD_MAX_MB", value: mb(config.uploadMaxBytes) },
    { variable: "BANDSTAND_SCAN_WORKERS", value: String(config.scanWorkers) },
    { variable: "BANDSTAND_AUDIO_WORKERS", value: String(config.audioWorkers) },
    { variable: "BANDSTAND_AUTO_ANALYZE", value: String(config.autoAnalyze) },
    {
      variable: "BANDSTAND_ARTIST_SEPARATORS",
      value: config.artistSeparators?.join(" | ") ?? "built-in defaults",
    },
    { variable: "BANDSTAND_JOB_TIMEOUT", value: `${config.jobTimeoutMs / 1000} s` },
    { variable: "BANDSTAND_TRUST_PROXY", value: String(config.trustProxy) },
    { variable: "BANDSTAND_MAX_TRANSCODES", value: String(config.maxTranscodes) },
    { variable: "BANDSTAND_TRANSCODE_CACHE_MB", value: mb(config.transcodeCacheBytes) },
    {
      variable: "BANDSTAND_LEGACY_CLIENTS",
      value: config.legacyClients.length ? config.legacyClients.join(", ") : "none",
    },
    { variable: "BANDSTAND_PODCAST_MAX_MB", value: mb(config.podcastMaxBytes) },
    { variable: "LOG_LEVEL", value: config.logLevel },
  ];
}

/** The administration pages: users, music folders, and the (read-only) settings. */
export function adminRoutes(ctx: AppContext) {
  return new Elysia({ name: "web-admin" })
    .use(adminUserRoutes(ctx))
    .use(adminLibraryRoutes(ctx))
    .get("/admin/settings", ({ request }) =>
      guarded(
        ctx,
        { request },
        ({ session }) => (
          <Layout
            title="Settings"
            user={session.user}
            csrfToken={session.csrfToken}
            section="admin"
          >
            <AdminPage heading="Settings" tab="settings">
              <p>
                Bandstand reads its settings from environment variables once, at start. Nothing here
                can be changed while it runs: set the variable and restart. Secrets are never shown,
                only whether they are set.
              </p>
              <p class="muted" safe>
                {describeAdapters(ctx)}
              </p>
              <table class="settings">
                <caption class="visually-hidden">Effective configuration</caption>
                <thead>
                  <tr>
                    <th scope="col">Variable</th>
                    <th scope="col">Value</th>
                  </tr>
                </thead>
                <tbody>
                  {settingRows(ctx.config).map((r) => (
                    <tr>
                      <th scope="row">
                        <code safe>{r.variable}</code>
                      </th>
                      <td class={r.secret ? "muted" : undefined} safe>
                        {r.value}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </AdminPage>
          </Layout>
        ),
        { admin: true },
      ),
    );
}
