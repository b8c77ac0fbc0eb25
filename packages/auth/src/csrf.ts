/**
 * Cross-site request forgery defence for cookie-authenticated requests. SameSite=Lax already keeps the
 * session cookie off cross-site subrequests and form posts; this check is the second lock, required by
 * ADR 001: a state-changing request must say where it comes from, and that must be us.
 */

export interface MutationRequest {
  method: string;
  /** The `Origin` header, or null when absent. */
  origin: string | null;
  /** The `Referer` header, or null when absent; consulted only when `Origin` is absent. */
  referer: string | null;
  /** The `Host` header as the browser sent it (the public host, e.g. behind a proxy `X-Forwarded-Host`). */
  host: string | null;
  /** The scheme the browser used to reach us. */
  protocol: "http" | "https";
  /** Other origins whose pages may send us mutations (e.g. the apps' dev servers); normalised here. */
  trustedOrigins: readonly string[];
}

export type MutationOriginRefusal =
  /** Neither Origin nor Referer: we cannot tell where the request comes from. */
  | "missing-origin-and-referer"
  /** `Origin: null`: a sandboxed frame, a file, or a cross-origin redirect. */
  | "opaque-origin"
  | "malformed-origin"
  | "malformed-referer"
  | "untrusted-origin"
  | "untrusted-referer";

export type MutationOriginDecision =
  | { trusted: true }
  /** `presented`: the origin the request claimed, for the log line; null when it had none. */
  | { trusted: false; reason: MutationOriginRefusal; presented: string | null };

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/** Whether a method must not change state (GET, HEAD, OPTIONS): such requests need no origin check. */
export function isSafeMethod(method: string): boolean {
  return safeMethods.has(method.toUpperCase());
}

/**
 * The serialised origin (`scheme://host[:port]`, lowercase host, default port dropped) of a URL or
 * origin string, or null when it is not an http(s) URL. Exported so configuration (env.ts) can refuse a
 * malformed trusted origin at start-up.
 */
export function normalizeOrigin(value: string): string | null {
  if (!URL.canParse(value)) return null;
  const url = new URL(value);
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  return url.origin;
}

/**
 * Whether a request may change state on behalf of the session cookie it carries. Safe methods always
 * pass (they must not change state); others need an Origin, or failing that a Referer, naming our own
 * origin or a trusted one.
 */
export function isTrustedMutationOrigin(request: MutationRequest): MutationOriginDecision {
  if (isSafeMethod(request.method)) return { trusted: true };

  const allowed = new Set<string>();
  const ownOrigin = request.host ? normalizeOrigin(`${request.protocol}://${request.host}`) : null;
  if (ownOrigin) allowed.add(ownOrigin);
  for (const trusted of request.trustedOrigins) {
    const normalized = normalizeOrigin(trusted);
    if (normalized) allowed.add(normalized);
  }

  // Browsers send Origin on every cross-origin request and on same-origin non-GET fetches; Referer is
  // only a fallback for older clients, and only when Origin is absent, never to override it.
  if (request.origin) {
    if (request.origin === "null") return { trusted: false, reason: "opaque-origin", presented: "null" };
    const presented = normalizeOrigin(request.origin);
    if (!presented) return { trusted: false, reason: "malformed-origin", presented: request.origin };
    return allowed.has(presented) ? { trusted: true } : { trusted: false, reason: "untrusted-origin", presented };
  }
  if (request.referer) {
    const presented = normalizeOrigin(request.referer);
    if (!presented) return { trusted: false, reason: "malformed-referer", presented: request.referer };
    return allowed.has(presented) ? { trusted: true } : { trusted: false, reason: "untrusted-referer", presented };
  }
  return { trusted: false, reason: "missing-origin-and-referer", presented: null };
}
