import { generateApiKey, parseApiKey } from "@learnops/auth/api-keys";
import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestDatabase } from "@learnops/db/testing/database";
import { beforeAll, describe, expect, it } from "vitest";
import { apiKeyUseRecordedEveryMs, authenticateApiKey } from "./api-key-authentication.ts";
import { issueApiKey } from "./testing/api-keys.ts";

const { db, appDb } = await setupTestDatabase();
let northwind = "";

async function issue(values: { scopes: string[]; revoked?: boolean; expiresAt?: Date }) {
  const { scopes, revoked, expiresAt } = values;
  return (
    await issueApiKey(db, { institutionId: northwind, scopes, revokedAt: revoked ? new Date() : null, expiresAt })
  ).key;
}

beforeAll(async () => {
  await loadDemoData(db);
  northwind = (
    await db.selectFrom("institutions").select("id").where("slug", "=", "northwind-health").executeTakeFirstOrThrow()
  ).id;
});

describe("API key authentication", () => {
  it("accepts a valid key for a granted scope, names its institution and records its use", async () => {
    const key = await issue({ scopes: ["xapi:write"] });
    const now = new Date();
    expect(await authenticateApiKey(appDb, `Bearer ${key}`, "xapi:write", now)).toMatchObject({
      ok: true,
      institutionId: northwind,
      scopes: ["xapi:write"],
    });
    const used = await db
      .selectFrom("api_keys")
      .select("last_used_at")
      .where("secret_hash", "!=", "")
      .orderBy("created_at", "desc")
      .executeTakeFirstOrThrow();
    expect(used.last_used_at?.getTime()).toBe(now.getTime());
  });

  it("records a key's use at most once a minute, so a busy client's requests never queue on its row", async () => {
    const key = await issue({ scopes: ["xapi:write"] });
    const lastUsed = async () =>
      (
        await db
          .selectFrom("api_keys")
          .select("last_used_at")
          .where("public_id", "=", parseApiKey(key)?.publicId ?? "")
          .executeTakeFirstOrThrow()
      ).last_used_at?.getTime();
    const first = new Date("2026-12-03T10:00:00Z");
    const at = (ms: number) => new Date(first.getTime() + ms);
    expect(await authenticateApiKey(appDb, key, "xapi:write", first)).toMatchObject({ ok: true });
    expect(await lastUsed()).toBe(first.getTime());
    // Within the minute: authenticated, nothing written.
    expect(await authenticateApiKey(appDb, key, "xapi:write", at(apiKeyUseRecordedEveryMs - 1))).toMatchObject({
      ok: true,
    });
    expect(await lastUsed()).toBe(first.getTime());
    // Requests arriving together once the minute is up: one write, the time of the first.
    const results = await Promise.all(
      [0, 1, 2, 3].map((ms) => authenticateApiKey(appDb, key, "xapi:write", at(apiKeyUseRecordedEveryMs + ms))),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    expect(await lastUsed()).toBeGreaterThanOrEqual(at(apiKeyUseRecordedEveryMs).getTime());
    expect(await lastUsed()).toBeLessThanOrEqual(at(apiKeyUseRecordedEveryMs + 3).getTime());
  });

  it("refuses a wrong secret, an unknown or malformed key alike, and says why for revoked, expired and unscoped keys", async () => {
    const key = await issue({ scopes: ["xapi:write"] });
    const wrongSecret = `${key.slice(0, -4)}aaaa`;
    expect(await authenticateApiKey(appDb, wrongSecret, "xapi:write", new Date())).toEqual({
      ok: false,
      reason: "unknown",
    });
    expect(await authenticateApiKey(appDb, generateApiKey().key, "xapi:write", new Date())).toEqual({
      ok: false,
      reason: "unknown",
    });
    expect(await authenticateApiKey(appDb, "not a key", "xapi:write", new Date())).toEqual({
      ok: false,
      reason: "unknown",
    });
    expect(await authenticateApiKey(appDb, key, "reports:read", new Date())).toEqual({
      ok: false,
      reason: "missing_scope",
    });
    expect(
      await authenticateApiKey(appDb, await issue({ scopes: ["xapi:write"], revoked: true }), "xapi:write", new Date()),
    ).toEqual({
      ok: false,
      reason: "revoked",
    });
    const expired = await issue({ scopes: ["xapi:write"], expiresAt: new Date(Date.now() - 1000) });
    expect(await authenticateApiKey(appDb, expired, "xapi:write", new Date())).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("never lets the lookup policy expose other keys", async () => {
    await issue({ scopes: ["reports:read"] });
    // Outside a lookup or tenant scope the application role sees no key at all.
    expect(await appDb.selectFrom("api_keys").select("id").execute()).toEqual([]);
  });
});
