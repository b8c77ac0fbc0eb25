import { describe, expect, it } from "vitest";
import { apiKeySecretLength, apiKeySecretMatches, generateApiKey, hasScope, parseApiKey } from "./api-keys.ts";
import { hashSecretToken } from "./session-tokens.ts";

const publicId = "abcdefgh2345";
const secret = "q".repeat(apiKeySecretLength);
const wellFormed = `lo_${publicId}_${secret}`;

describe("generateApiKey", () => {
  it("returns a key of our format whose parts match what is stored", () => {
    const generated = generateApiKey();
    expect(generated.key).toMatch(/^lo_[a-z2-7]{12}_[a-z2-7]{52}$/);
    const parsed = parseApiKey(generated.key);
    if (!parsed) throw new Error(`generateApiKey produced a key parseApiKey refuses: ${generated.key}`);
    expect(parsed.publicId).toBe(generated.publicId);
    expect(generated.secretHash).toBe(hashSecretToken(parsed.secret));
    expect(apiKeySecretMatches(parsed.secret, generated.secretHash)).toBe(true);
    // What is stored (public id, hash) does not contain the secret.
    expect(generated.secretHash).not.toContain(parsed.secret);
    expect(generated.publicId).not.toContain(parsed.secret);
  });

  it("never repeats a public id or secret, and draws ids from the whole alphabet", () => {
    const keys = Array.from({ length: 400 }, () => generateApiKey());
    expect(new Set(keys.map((key) => key.publicId)).size).toBe(keys.length);
    expect(new Set(keys.map((key) => key.secretHash)).size).toBe(keys.length);
    expect(new Set(keys.map((key) => key.publicId).join("")).size).toBe(32);
  });
});

describe("parseApiKey", () => {
  it("splits a well-formed key", () => {
    expect(parseApiKey(wellFormed)).toEqual({ publicId, secret });
  });

  it.each([
    ["empty", ""],
    ["without the prefix", `${publicId}_${secret}`],
    ["with another prefix", `sk_${publicId}_${secret}`],
    ["with an uppercase prefix", `LO_${publicId}_${secret}`],
    ["with a short public id", `lo_${publicId.slice(1)}_${secret}`],
    ["with a long public id", `lo_${publicId}a_${secret}`],
    ["with a short secret", `lo_${publicId}_${secret.slice(1)}`],
    ["with a long secret", `${wellFormed}q`],
    ["in uppercase", wellFormed.toUpperCase()],
    ["with characters outside base32", `lo_${publicId}_${"0".repeat(52)}`],
    ["with a trailing newline", `${wellFormed}\n`],
    ["with a leading space", ` ${wellFormed}`],
    ["as a Bearer header", `Bearer ${wellFormed}`],
    ["with the parts in the wrong order", `lo_${secret}_${publicId}`],
  ])("answers null for a key %s", (_label, presented) => {
    expect(parseApiKey(presented)).toBeNull();
  });
});

describe("apiKeySecretMatches", () => {
  const storedHash = hashSecretToken(secret);

  it("matches only the secret whose hash is stored", () => {
    expect(apiKeySecretMatches(secret, storedHash)).toBe(true);
    expect(apiKeySecretMatches(`${secret.slice(0, -1)}a`, storedHash)).toBe(false);
    expect(apiKeySecretMatches("", storedHash)).toBe(false);
  });

  it("never matches a malformed stored hash", () => {
    expect(apiKeySecretMatches(secret, "")).toBe(false);
    expect(apiKeySecretMatches(secret, storedHash.toUpperCase())).toBe(false);
    expect(apiKeySecretMatches(secret, storedHash.slice(1))).toBe(false);
    // The secret itself stored by mistake instead of its hash must not work.
    expect(apiKeySecretMatches(secret, secret)).toBe(false);
  });
});

describe("hasScope", () => {
  it("grants only scopes the key carries", () => {
    expect(hasScope(["xapi:write", "reports:read"], "xapi:write")).toBe(true);
    expect(hasScope(["xapi:write"], "enrolments:write")).toBe(false);
    expect(hasScope(["enrolments:read"], "enrolments:write")).toBe(false);
    expect(hasScope([], "reports:read")).toBe(false);
  });
});
