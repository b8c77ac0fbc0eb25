import { readSessionToken } from "@learnops/auth/session-cookie";
import { type AccountLockoutPolicy, defaultAccountLockoutPolicy } from "@learnops/auth/sign-in-throttle";
import type { Database } from "@learnops/db/client";
import type { PgBoss } from "pg-boss";
import type { Logger } from "pino";
import type { AccessCache } from "./access-cache.ts";
import { inlineRecomputeLearners } from "./progress-projections.ts";
import { lazyChildLogger } from "./request-log.ts";
import { type ActiveSession, resolveSession } from "./sessions.ts";

/** What every procedure can reach: long-lived services shared by all requests. */
export interface ApiServices {
  db: Database;
  jobs: PgBoss;
  /**
   * The origin people reach the platform at, for links in emails. Always configured, never taken from a
   * request: a forged Host header would otherwise send someone's reset link to the forger's site.
   */
  publicUrl: string;
  /** When failed sign-ins lock an address; 10 failures in an hour lock it for 15 minutes by default. */
  accountLockout?: AccountLockoutPolicy;
  /**
   * Resolved sessions and learners' access facts kept in memory, evicted by the database's notifications
   * (ADR 011); without one, every request reads them from the database.
   */
  accessCache?: AccessCache | null;
  /**
   * Courses with at most this many learners are recomputed in the transaction of a change to their rules or
   * outline; larger ones by the progress-recompute job (`recomputeCourseProgress`). 500 by default.
   */
  inlineRecomputeLearners?: number;
}

/** Where the platform is reached when nothing says otherwise: the main job on its default port. */
export const localPublicUrl = "http://localhost:3000";

export interface ContextInnerOptions extends Omit<ApiServices, "publicUrl"> {
  /** The origin for links in emails; the local main job's by default. */
  publicUrl?: string;
  log: Logger;
  /** The request's id, quoted in logs and in error answers; null outside HTTP (scripts, tests). */
  requestId: string | null;
  /** The signed-in person, resolved from the session cookie; null when nobody is signed in. */
  session?: ActiveSession | null;
  ip?: string | null;
  userAgent?: string | null;
  /** Headers of the response: procedures set cookies and Retry-After here. */
  responseHeaders?: Headers;
  /** Whether cookies carry Secure (everywhere but local development over plain HTTP). */
  secureCookies?: boolean;
  /** The clock; tests pass their own. */
  now?: () => Date;
  /** Filled in by procedures, read by the HTTP layer once they have answered (see `AccessChangeReport`). */
  accessChanges?: AccessChangeReport;
}

/**
 * How many of a request's mutations declared that their transaction changed nothing the access cache holds
 * (the triggers announced nothing): when every procedure of the request did, the HTTP layer answers without
 * waiting for this instance's cache to settle. A procedure that declares nothing is assumed to have changed
 * something.
 */
export interface AccessChangeReport {
  quietMutations: number;
}

let lastUrl = "";
let lastOrigin = "";
/** The origin of a URL; the same URL every request, so it is parsed once, not once per request. */
function originOf(url: string): string {
  if (url !== lastUrl) {
    lastOrigin = new URL(url).origin;
    lastUrl = url;
  }
  return lastOrigin;
}

/**
 * The context without HTTP: tests and scripts call procedures through `createCaller` with it. Everything a
 * procedure may rely on is here; `createContext` only derives these values from a request.
 */
export function createContextInner(options: ContextInnerOptions) {
  return {
    db: options.db,
    jobs: options.jobs,
    publicUrl: originOf(options.publicUrl ?? localPublicUrl),
    accountLockout: options.accountLockout ?? defaultAccountLockoutPolicy,
    accessCache: options.accessCache ?? null,
    accessChanges: options.accessChanges ?? { quietMutations: 0 },
    inlineRecomputeLearners: options.inlineRecomputeLearners ?? inlineRecomputeLearners,
    log: options.log,
    requestId: options.requestId,
    session: options.session ?? null,
    ip: options.ip ?? null,
    userAgent: options.userAgent ?? null,
    responseHeaders: options.responseHeaders ?? new Headers(),
    secureCookies: options.secureCookies ?? true,
    now: options.now ?? (() => new Date()),
  };
}

export type Context = ReturnType<typeof createContextInner>;

export interface RequestDetails {
  request: Request;
  requestId: string;
  log: Logger;
  responseHeaders: Headers;
  ip: string | null;
  secureCookies: boolean;
  accessChanges?: AccessChangeReport;
}

/** The context of one HTTP request: the session comes from the cookie, the tenant from the session. */
export async function createContext(services: ApiServices, details: RequestDetails): Promise<Context> {
  const token = readSessionToken(details.request.headers.get("cookie"));
  const session = token ? await resolveSession(services.db, token, new Date(), services.accessCache ?? null) : null;
  return createContextInner({
    ...services,
    log: session ? lazyChildLogger(details.log, { userId: session.user.id }) : details.log,
    requestId: details.requestId,
    session,
    ip: details.ip,
    userAgent: details.request.headers.get("user-agent"),
    responseHeaders: details.responseHeaders,
    secureCookies: details.secureCookies,
    ...(details.accessChanges ? { accessChanges: details.accessChanges } : {}),
  });
}
