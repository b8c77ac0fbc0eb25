import { isWellFormedSecretToken } from "./session-tokens.ts";

export const sessionCookieName = "learnops_session";

export interface SessionCookieOptions {
  /** When the browser should drop the cookie; the server's own expiry check stays authoritative. */
  expiresAt: Date;
  /** Adds `Secure`: everywhere but plain-http local development. */
  secure: boolean;
  /** Used for Max-Age, which browsers prefer to Expires and which a wrong client clock cannot distort. */
  now: Date;
}

/**
 * Attributes of the session cookie: unreadable by scripts (HttpOnly), not sent on cross-site subrequests
 * or form posts (SameSite=Lax, with the Origin check in csrf.ts behind it), valid for every app on the
 * origin (Path=/), and without Domain so no sibling subdomain receives it.
 */
function sessionCookieAttributes(secure: boolean): string[] {
  const attributes = ["HttpOnly", "SameSite=Lax", "Path=/"];
  if (secure) attributes.push("Secure");
  return attributes;
}

/** The `Set-Cookie` value that hands the browser a session token. */
export function serializeSessionCookie(token: string, options: SessionCookieOptions): string {
  // The token goes into a header verbatim: anything but our own alphabet could inject attributes.
  if (!isWellFormedSecretToken(token)) throw new TypeError("Refusing to put a malformed session token in a cookie");
  const expiresAtMs = options.expiresAt.getTime();
  if (Number.isNaN(expiresAtMs)) throw new TypeError("A session cookie needs a valid expiry date");
  const maxAgeSeconds = Math.max(0, Math.floor((expiresAtMs - options.now.getTime()) / 1000));
  return [
    `${sessionCookieName}=${token}`,
    ...sessionCookieAttributes(options.secure),
    `Max-Age=${maxAgeSeconds}`,
    `Expires=${options.expiresAt.toUTCString()}`,
  ].join("; ");
}

/** The `Set-Cookie` value that deletes the session cookie (sign-out, expired or unknown session). */
export function serializeBlankSessionCookie(options: { secure: boolean }): string {
  return [
    `${sessionCookieName}=`,
    ...sessionCookieAttributes(options.secure),
    "Max-Age=0",
    "Expires=Thu, 01 Jan 1970 00:00:00 GMT",
  ].join("; ");
}

/**
 * The session token from a request's `Cookie` header, or null. Takes the first `learnops_session` pair
 * (browsers put the most specific path first), and returns it only if it has the shape of a token we
 * issue, so nothing else (an attacker's value, another app's cookie) reaches the database lookup.
 */
export function readSessionToken(cookieHeader: string | null | undefined): string | null {
  if (!cookieHeader) return null;
  for (const pair of cookieHeader.split(";")) {
    const separator = pair.indexOf("=");
    if (separator === -1) continue;
    if (pair.slice(0, separator).trim() !== sessionCookieName) continue;
    let value = pair.slice(separator + 1).trim();
    // RFC 6265 allows a value wrapped in double quotes; the quotes are not part of it.
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return isWellFormedSecretToken(value) ? value : null;
  }
  return null;
}
