import { readSessionToken } from "@learnops/auth/session-cookie";
import type { Database } from "@learnops/db/client";
import type { PgBoss } from "pg-boss";
import pino from "pino";
import type { AccessCache } from "../access-cache.ts";
import type { AccessChangeReport } from "../context.ts";
import { createContextInner } from "../context.ts";
import { createCaller } from "../root.ts";
import { resolveSession } from "../sessions.ts";

/** The demo data's password, when tests load it with `hashPassword(demoTestPassword)`. */
export const demoTestPassword = "correct horse battery staple";

let address = 0;

/**
 * Signs a person in through auth.signIn, as the web apps do, and returns a function that makes a fresh
 * caller on that session: each call of a procedure then runs as it would over HTTP.
 */
export async function signedInCaller(
  /** `now`, when given, is the procedures' clock; `accessCache`, the procedures' cache. */
  services: {
    db: Database;
    jobs: PgBoss;
    now?: () => Date;
    accessCache?: AccessCache;
    accessChanges?: AccessChangeReport;
    inlineRecomputeLearners?: number;
  },
  email: string,
  institutionSlug?: string,
): Promise<() => Promise<ReturnType<typeof createCaller>>> {
  const log = pino({ level: "silent" });
  const headers = new Headers();
  // A different client address per sign-in keeps tests clear of the per-address rate limit.
  await createCaller(
    createContextInner({
      ...services,
      log,
      requestId: null,
      responseHeaders: headers,
      ip: `10.9.${Math.floor(++address / 250)}.${address % 250}`,
    }),
  ).auth.signIn({ email, password: demoTestPassword, ...(institutionSlug ? { institutionSlug } : {}) });
  const token = readSessionToken(headers.get("set-cookie")?.split(";")[0] ?? null) ?? "";
  return async () =>
    createCaller(
      createContextInner({
        ...services,
        log,
        requestId: "req-test",
        session: await resolveSession(services.db, token, new Date()),
      }),
    );
}
