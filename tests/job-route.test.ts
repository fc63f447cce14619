import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { mint } from "./helpers/qstash-sign.ts";

let t: TestApp;
let runs: unknown[] = [];

beforeAll(async () => {
  t = await startTestApp();
  t.ctx.jobs.register({
    name: "echo",
    async run(ctx) {
      runs.push(ctx.payload);
      return { done: true, result: { seen: ctx.payload } };
    },
  });
});
afterAll(() => t.close());

const URL_OF = (name: string) => `http://bandstand.test/jobs/${name}`;

function post(name: string, body: string, signature?: string, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { "content-type": "application/json", ...extra };
  if (signature) headers["Upstash-Signature"] = signature;
  return t.request(`/jobs/${name}`, { method: "POST", body, headers });
}

describe("POST /jobs/:name verifies the Upstash-Signature before any work", () => {
  const body = JSON.stringify({ hello: "world" });

  test("missing signature → 401", async () => {
    runs = [];
    expect((await post("echo", body)).status).toBe(401);
    expect(runs).toEqual([]);
  });

  test("forged (wrong key) → 401", async () => {
    const sig = await mint("not-the-key", URL_OF("echo"), body);
    expect((await post("echo", body, sig)).status).toBe(401);
  });

  test("garbage → 401", async () => {
    expect((await post("echo", body, "not.a.jwt")).status).toBe(401);
  });

  test("expired → 401", async () => {
    const sig = await mint(t.ctx.signingKeys.currentSigningKey, URL_OF("echo"), body, {
      expiresIn: -120,
    });
    expect((await post("echo", body, sig)).status).toBe(401);
  });

  test("tampered body → 401", async () => {
    const sig = await mint(t.ctx.signingKeys.currentSigningKey, URL_OF("echo"), body);
    expect((await post("echo", JSON.stringify({ hello: "mallory" }), sig)).status).toBe(401);
  });

  test("signed for another URL → 401", async () => {
    const sig = await mint(t.ctx.signingKeys.currentSigningKey, URL_OF("other"), body);
    expect((await post("echo", body, sig)).status).toBe(401);
    const foreign = await mint(
      t.ctx.signingKeys.currentSigningKey,
      "https://evil.test/jobs/echo",
      body,
    );
    expect((await post("echo", body, foreign)).status).toBe(401);
  });

  test("wrong issuer → 401", async () => {
    const sig = await mint(t.ctx.signingKeys.currentSigningKey, URL_OF("echo"), body, {
      issuer: "Someone",
    });
    expect((await post("echo", body, sig)).status).toBe(401);
    expect(runs).toEqual([]);
  });

  test("signed right → accepted and run", async () => {
    const sig = await mint(t.ctx.signingKeys.currentSigningKey, URL_OF("echo"), body);
    const res = await post("echo", body, sig, { "Upstash-Message-Id": "msg_1" });
    expect(res.status).toBe(200);
    expect(runs).toEqual([{ hello: "world" }]);
  });

  test("the next signing key is accepted too (key rotation)", async () => {
    const sig = await mint(t.ctx.signingKeys.nextSigningKey, URL_OF("echo"), body);
    expect((await post("echo", body, sig, { "Upstash-Message-Id": "msg_2" })).status).toBe(200);
  });

  test("POST /jobs/scan signed for the right URL and body → accepted, and the scan runs", async () => {
    await t.ctx.library.syncFolders();
    const scanBody = "{}";
    const sig = await mint(t.ctx.signingKeys.currentSigningKey, URL_OF("scan"), scanBody);
    const res = await post("scan", scanBody, sig, { "Upstash-Message-Id": "msg_scan" });
    expect(res.status).toBe(200);
    const { items } = await t.ctx.jobs.list({ name: "scan" });
    expect(items.map((j) => j.state)).toEqual(["finished"]);
  });

  test("signed call for an unknown job → 489 non-retryable", async () => {
    const sig = await mint(t.ctx.signingKeys.currentSigningKey, URL_OF("nope"), body);
    const res = await post("nope", body, sig);
    expect(res.status).toBe(489);
    expect(res.headers.get("Upstash-NonRetryable-Error")).toBe("true");
  });

  test("a redelivered message does not run twice", async () => {
    runs = [];
    const sig = await mint(t.ctx.signingKeys.currentSigningKey, URL_OF("echo"), body);
    await post("echo", body, sig, { "Upstash-Message-Id": "msg_dup" });
    await post("echo", body, sig, { "Upstash-Message-Id": "msg_dup" });
    expect(runs.length).toBe(1);
  });
});
