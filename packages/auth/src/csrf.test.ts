import { describe, expect, it } from "vitest";
import { isTrustedMutationOrigin, type MutationRequest, normalizeOrigin } from "./csrf.ts";

const ownSite: MutationRequest = {
  method: "POST",
  origin: null,
  referer: null,
  host: "learn.example.org",
  protocol: "https",
  trustedOrigins: [],
};

const check = (overrides: Partial<MutationRequest>) => isTrustedMutationOrigin({ ...ownSite, ...overrides });

describe("isTrustedMutationOrigin", () => {
  it.each(["GET", "HEAD", "OPTIONS", "get", "options"])(
    "lets the safe method %s through without any header",
    (method) => {
      expect(check({ method, origin: "https://evil.example" })).toEqual({ trusted: true });
    },
  );

  it.each(["POST", "PUT", "PATCH", "DELETE", "post", "PROPFIND"])("checks %s", (method) => {
    expect(check({ method, origin: "https://evil.example" })).toMatchObject({ trusted: false });
    expect(check({ method, origin: "https://learn.example.org" })).toEqual({ trusted: true });
  });

  it("accepts our own origin however the browser spells it", () => {
    expect(check({ origin: "https://learn.example.org" })).toEqual({ trusted: true });
    expect(check({ origin: "https://LEARN.example.org" })).toEqual({ trusted: true });
    expect(check({ origin: "https://learn.example.org:443" })).toEqual({ trusted: true });
    expect(check({ host: "learn.example.org:443", origin: "https://learn.example.org" })).toEqual({ trusted: true });
  });

  it("tells ports and schemes apart", () => {
    expect(check({ origin: "http://learn.example.org" })).toEqual({
      trusted: false,
      reason: "untrusted-origin",
      presented: "http://learn.example.org",
    });
    expect(check({ origin: "https://learn.example.org:8443" })).toMatchObject({ reason: "untrusted-origin" });
    expect(check({ host: "localhost:3000", protocol: "http", origin: "http://localhost:3000" })).toEqual({
      trusted: true,
    });
    expect(check({ host: "localhost:3000", protocol: "http", origin: "http://localhost:5173" })).toMatchObject({
      reason: "untrusted-origin",
    });
  });

  it("refuses look-alike and sibling hosts", () => {
    for (const origin of [
      "https://learn.example.org.evil.example",
      "https://evil-learn.example.org",
      "https://partner.learn.example.org",
      "https://example.org",
    ])
      expect(check({ origin })).toMatchObject({ trusted: false, reason: "untrusted-origin" });
  });

  it("accepts configured trusted origins, normalised", () => {
    const trustedOrigins = ["http://localhost:5173/", "https://Admin.Example.org", "not a url"];
    expect(check({ trustedOrigins, origin: "http://localhost:5173" })).toEqual({ trusted: true });
    expect(check({ trustedOrigins, origin: "https://admin.example.org" })).toEqual({ trusted: true });
    expect(check({ trustedOrigins, origin: "https://other.example.org" })).toMatchObject({ trusted: false });
  });

  it("refuses `Origin: null` even when the Referer looks like ours", () => {
    expect(check({ origin: "null", referer: "https://learn.example.org/courses" })).toEqual({
      trusted: false,
      reason: "opaque-origin",
      presented: "null",
    });
  });

  it("refuses a malformed Origin", () => {
    expect(check({ origin: "learn.example.org" })).toMatchObject({ reason: "malformed-origin" });
    expect(check({ origin: "javascript:alert(1)" })).toMatchObject({ reason: "malformed-origin" });
  });

  it("falls back to the Referer's origin only when Origin is absent", () => {
    expect(check({ referer: "https://learn.example.org/admin/courses?tab=1" })).toEqual({ trusted: true });
    expect(check({ referer: "https://evil.example/learn.example.org" })).toEqual({
      trusted: false,
      reason: "untrusted-referer",
      presented: "https://evil.example",
    });
    // A matching Referer never rescues a foreign Origin.
    expect(check({ origin: "https://evil.example", referer: "https://learn.example.org/" })).toMatchObject({
      reason: "untrusted-origin",
    });
    expect(check({ referer: "/relative/path" })).toMatchObject({ reason: "malformed-referer" });
  });

  it("refuses a mutation that says nowhere where it comes from", () => {
    expect(check({})).toEqual({ trusted: false, reason: "missing-origin-and-referer", presented: null });
    expect(check({ origin: "", referer: "" })).toMatchObject({ reason: "missing-origin-and-referer" });
  });

  it("trusts nothing but the configured origins when the Host header is missing", () => {
    expect(check({ host: null, origin: "https://learn.example.org" })).toMatchObject({ reason: "untrusted-origin" });
    expect(
      check({ host: null, origin: "https://learn.example.org", trustedOrigins: ["https://learn.example.org"] }),
    ).toEqual({ trusted: true });
  });
});

describe("normalizeOrigin", () => {
  it("reduces a URL to scheme, lowercase host and non-default port", () => {
    expect(normalizeOrigin("HTTPS://Learn.Example.org:443/path?q#f")).toBe("https://learn.example.org");
    expect(normalizeOrigin("http://localhost:5173/")).toBe("http://localhost:5173");
  });

  it("refuses what is not an http(s) URL", () => {
    for (const value of ["", "null", "learn.example.org", "ftp://learn.example.org", "data:text/html,hi"])
      expect(normalizeOrigin(value)).toBeNull();
  });
});
