import { describe, expect, it } from "vitest";
import {
  generateSecretToken,
  generateSessionToken,
  hashSecretToken,
  isWellFormedSecretToken,
  secretTokenLength,
  sessionIdFromToken,
  singleUseTokenExpiry,
} from "./session-tokens.ts";

describe("generateSessionToken", () => {
  it("is 32 lowercase base32 characters (160 random bits)", () => {
    const token = generateSessionToken();
    expect(token).toMatch(/^[a-z2-7]{32}$/);
    expect(token).toHaveLength(secretTokenLength);
    expect(isWellFormedSecretToken(token)).toBe(true);
  });

  it("never repeats and uses the whole alphabet", () => {
    const tokens = Array.from({ length: 500 }, () => generateSessionToken());
    expect(new Set(tokens).size).toBe(tokens.length);
    // 16,000 characters drawn from 32 symbols: every symbol appears unless the source is broken.
    expect(new Set(tokens.join("")).size).toBe(32);
  });
});

describe("sessionIdFromToken", () => {
  it("is the hex SHA-256 of the token's UTF-8 bytes", () => {
    // Known vector: SHA-256("abc").
    expect(sessionIdFromToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sessionIdFromToken("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("encodes non-ASCII as UTF-8 and is deterministic", () => {
    // SHA-256 of the two UTF-8 bytes c3 a9 ("é").
    expect(sessionIdFromToken("é")).toBe("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
    const token = generateSessionToken();
    expect(sessionIdFromToken(token)).toBe(sessionIdFromToken(token));
    expect(sessionIdFromToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionIdFromToken(token)).not.toContain(token);
  });
});

describe("generateSecretToken / hashSecretToken", () => {
  it("issue distinct well-formed tokens whose hashes differ", () => {
    const first = generateSecretToken();
    const second = generateSecretToken();
    expect(isWellFormedSecretToken(first)).toBe(true);
    expect(first).not.toBe(second);
    expect(hashSecretToken(first)).not.toBe(hashSecretToken(second));
    expect(hashSecretToken(first)).toBe(sessionIdFromToken(first));
  });

  it.each([
    ["too short", "a".repeat(31)],
    ["too long", "a".repeat(33)],
    ["uppercase", "A".repeat(32)],
    ["outside base32 (0, 1, 8, 9)", "0189".repeat(8)],
    ["padding", `${"a".repeat(31)}=`],
    ["surrounding space", ` ${"a".repeat(31)}`],
  ])("refuses a value that is %s", (_label, value) => {
    expect(isWellFormedSecretToken(value)).toBe(false);
  });
});

describe("singleUseTokenExpiry", () => {
  it("gives a reset link one hour and an address confirmation two days", () => {
    const issuedAt = new Date("2026-03-02T08:00:00.000Z");
    expect(singleUseTokenExpiry("password_reset", issuedAt)).toEqual(new Date("2026-03-02T09:00:00.000Z"));
    expect(singleUseTokenExpiry("email_verification", issuedAt)).toEqual(new Date("2026-03-04T08:00:00.000Z"));
  });
});
