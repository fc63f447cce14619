import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { count } from "drizzle-orm";
import { chatMessages, users } from "../db/schema.ts";
import { startTestApp, type TestApp } from "./helpers/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe("libSQL file database", () => {
  test("migrations are applied and recorded; a second open is a no-op", async () => {
    const tables = await t.ctx.database.client.execute(
      "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    );
    const names = tables.rows.map((r) => String(r.name));
    for (const table of [
      "users",
      "sessions",
      "api_keys",
      "music_folders",
      "artists",
      "albums",
      "tracks",
      "track_artists",
      "album_artists",
      "genres",
      "track_genres",
      "cover_art",
      "stars",
      "ratings",
      "plays",
      "playlists",
      "playlist_entries",
      "play_queues",
      "bookmarks",
      "shares",
      "radio_stations",
      "chat_messages",
      "jobs",
      "job_logs",
      "outbox",
      "schedules",
      "party_rooms",
      "room_entries",
      "room_votes",
      "audio_analysis",
      "__drizzle_migrations",
    ]) {
      expect(names).toContain(table);
    }
    await t.ctx.database.open();
    expect(await t.ctx.database.ready()).toBe(true);
  });

  test("WAL journal and foreign keys are on", async () => {
    const wal = await t.ctx.database.client.execute("PRAGMA journal_mode");
    expect(String(wal.rows[0]?.journal_mode)).toBe("wal");
    const fk = await t.ctx.database.client.execute("PRAGMA foreign_keys");
    expect(Number(fk.rows[0]?.foreign_keys)).toBe(1);
  });

  test("many concurrent writes through the mutex all land", async () => {
    const user = await t.ctx.users.create({ username: "writer", password: "pw-1234" });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        t.ctx.database.write(async (db) => {
          await db.insert(chatMessages).values({ userId: user.id, message: `m${i}` });
          await db.insert(chatMessages).values({ userId: user.id, message: `n${i}` });
        }),
      ),
    );
    const [row] = await t.ctx.database.db.select({ n: count() }).from(chatMessages);
    expect(row?.n).toBe(400);
  });

  test("a failed write does not block the next one", async () => {
    await expect(
      t.ctx.database.write((db) =>
        db.insert(users).values({ username: "writer", passwordHash: "x" }),
      ),
    ).rejects.toThrow();
    const ok = await t.ctx.database.write((db) =>
      db.insert(users).values({ username: "other", passwordHash: "x" }).returning(),
    );
    expect(ok.length).toBe(1);
  });
});
