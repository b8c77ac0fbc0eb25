import type { Database } from "@learnops/db/client";
import type { PgBoss } from "pg-boss";
import type { Logger } from "pino";

/** What every procedure can reach: long-lived services shared by all requests. */
export interface ApiServices {
  db: Database;
  jobs: PgBoss;
}

export interface ContextInnerOptions extends ApiServices {
  log: Logger;
  /** The request's id, quoted in logs and in error answers; null outside HTTP (scripts, tests). */
  requestId: string | null;
}

/**
 * The context without HTTP: tests and scripts call procedures through `createCaller` with it. Everything a
 * procedure may rely on is here; `createContext` only derives these values from a request.
 */
export function createContextInner(options: ContextInnerOptions) {
  return { db: options.db, jobs: options.jobs, log: options.log, requestId: options.requestId };
}

export type Context = ReturnType<typeof createContextInner>;

export interface RequestDetails {
  request: Request;
  requestId: string;
  log: Logger;
}

/** The context of one HTTP request. Sessions (cookie or API key) will be read from `request` here. */
export function createContext(services: ApiServices, details: RequestDetails): Context {
  return createContextInner({ ...services, log: details.log, requestId: details.requestId });
}
