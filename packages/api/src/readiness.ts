import type { PlatformStatus } from "@learnops/contracts/operations";
import { sql } from "kysely";
import type { ApiServices } from "./context.ts";

const probeTimeoutMs = 2_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer in ${probeTimeoutMs} ms`)), probeTimeoutMs).unref(),
    ),
  ]);
}

/** Whether the database and the job queue answer right now; used by `/ready` and the admin console. */
export async function checkPlatformStatus({ db, jobs }: ApiServices, now: Date = new Date()): Promise<PlatformStatus> {
  const [database, jobQueue] = await Promise.all([
    withTimeout(sql`select 1`.execute(db), "database").then(
      () => "up" as const,
      () => "down" as const,
    ),
    // Through pg-boss's own pool, so a broken queue connection shows even while the main pool is fine.
    withTimeout(jobs.isInstalled(), "job queue").then(
      (installed) => (installed ? ("up" as const) : ("down" as const)),
      () => "down" as const,
    ),
  ]);
  return { database, jobQueue, checkedAt: now.toISOString() };
}
