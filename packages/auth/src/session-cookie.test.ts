import { describe, expect, it } from "vitest";
import {
  readSessionToken,
  serializeBlankSessionCookie,
  serializeSessionCookie,
  sessionCookieName,
} from "./session-cookie.ts";
import { generateSessionToken } from "./session-tokens.ts";

const token = "abcdefghijklmnopqrstuvwxyz234567";
const now = new Date("2026-03-02T08:00:00.000Z");
const expiresAt = new Date("2026-03-02T20:00:00.000Z");

/** Splits a Set-Cookie value into its name=value pair and its attributes, keyed case-insensitively. */
function parseSetCookie(header: string) {
  const [pair = "", ...rest] = header.split("; ");
  const attributes = new Map(
    rest.map((attribute) => {
      const [name = "", value = ""] = attribute.split("=");
      return [name.toLowerCase(), value] as const;
    }),
  );
  return { pair, attributes };
}

describe("serializeSessionCookie", () => {
  it("sets an HttpOnly, SameSite=Lax, site-wide cookie that expires with the session", () => {
    const { pair, attributes } = parseSetCookie(serializeSessionCookie(token, { expiresAt, secure: true, now }));
    expect(pair).toBe(`learnops_session=${token}`);
    expect(attributes.has("httponly")).toBe(true);
    expect(attributes.get("samesite")).toBe("Lax");
    expect(attributes.get("path")).toBe("/");
    expect(attributes.has("secure")).toBe(true);
    expect(attributes.get("max-age")).toBe(String(12 * 60 * 60));
    expect(attributes.get("expires")).toBe("Mon, 02 Mar 2026 20:00:00 GMT");
    // No Domain: a partner's subdomain must not receive the session.
    expect(attributes.has("domain")).toBe(false);
  });

  it("leaves out Secure only when asked to (plain-http local development)", () => {
    const header = serializeSessionCookie(token, { expiresAt, secure: false, now });
    expect(header).not.toMatch(/secure/i);
    expect(header).toMatch(/HttpOnly/);
  });

  it("never gives a negative Max-Age", () => {
    const header = serializeSessionCookie(token, { expiresAt: now, secure: true, now: expiresAt });
    expect(parseSetCookie(header).attributes.get("max-age")).toBe("0");
  });

  it.each([
    ["an attribute injection", `${token}; Domain=evil.example`],
    ["an empty token", ""],
    ["a token of the wrong length", token.slice(1)],
  ])("refuses %s", (_label, value) => {
    expect(() => serializeSessionCookie(value, { expiresAt, secure: true, now })).toThrow(/malformed session token/);
  });

  it("refuses an invalid expiry date", () => {
    expect(() => serializeSessionCookie(token, { expiresAt: new Date(Number.NaN), secure: true, now })).toThrow(
      /valid expiry/,
    );
  });
});

describe("serializeBlankSessionCookie", () => {
  it("deletes the same cookie (same name, path and flags) at once", () => {
    const { pair, attributes } = parseSetCookie(serializeBlankSessionCookie({ secure: true }));
    expect(pair).toBe("learnops_session=");
    expect(attributes.get("max-age")).toBe("0");
    expect(new Date(attributes.get("expires") ?? "").getTime()).toBe(0);
    expect(attributes.get("path")).toBe("/");
    expect(attributes.get("samesite")).toBe("Lax");
    expect(attributes.has("httponly")).toBe(true);
    expect(attributes.has("secure")).toBe(true);
    expect(serializeBlankSessionCookie({ secure: false })).not.toMatch(/secure/i);
  });
});

describe("readSessionToken", () => {
  it("reads back what serializeSessionCookie set", () => {
    const issued = generateSessionToken();
    const [pair = ""] = serializeSessionCookie(issued, { expiresAt, secure: true, now }).split(";");
    expect(readSessionToken(pair)).toBe(issued);
  });

  it.each([
    ["alone", `learnops_session=${token}`],
    ["among other cookies", `theme=dark; learnops_session=${token}; lang=en`],
    ["without spaces", `theme=dark;learnops_session=${token};lang=en`],
    ["with extra spaces", `  theme=dark ;   learnops_session =  ${token}  ; lang=en`],
    ["quoted", `learnops_session="${token}"`],
    ["after a cookie whose value contains '='", `prefs=a=b; learnops_session=${token}`],
    ["after a pair without '='", `flag; learnops_session=${token}`],
  ])("finds the token %s", (_label, header) => {
    expect(readSessionToken(header)).toBe(token);
  });

  it("takes the first of duplicate cookies", () => {
    const other = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";
    expect(readSessionToken(`learnops_session=${token}; learnops_session=${other}`)).toBe(token);
  });

  it.each([
    ["no header", null],
    ["an empty header", ""],
    ["only other cookies", "theme=dark; lang=en"],
    ["a cookie whose name only contains ours", `old_learnops_session=${token}`],
    ["a cookie whose name extends ours", `learnops_session_v2=${token}`],
    ["an empty value", "learnops_session="],
    ["uppercase", `learnops_session=${token.toUpperCase()}`],
    ["a value of the wrong length", `learnops_session=${token}a`],
    ["characters outside base32", "learnops_session=0000000000000000000000000000000"],
    ["a lone quote", 'learnops_session="'],
    ["a half-quoted value", `learnops_session="${token}`],
    ["a percent-encoded value", `learnops_session=${token.slice(0, 29)}%20`],
  ])("returns null for %s", (_label, header) => {
    expect(readSessionToken(header)).toBeNull();
  });

  it("takes the first duplicate even when it is malformed, rather than searching for a valid one", () => {
    // One rule, as in common parsers: the request is then treated as carrying no session.
    expect(readSessionToken(`learnops_session=bogus; learnops_session=${token}`)).toBeNull();
  });

  it("uses the exported name", () => {
    expect(sessionCookieName).toBe("learnops_session");
  });
});
