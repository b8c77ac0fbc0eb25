import { sql } from "kysely";
import type { Database } from "../client.ts";

export interface LockoutRow {
  failedCount: number;
  windowStartedAt: Date | null;
  lockedUntil: Date | null;
}

export async function findSignInLockout(db: Database, emailHash: string): Promise<LockoutRow> {
  const row = await db
    .selectFrom("sign_in_lockouts")
    .select(["failed_count", "window_started_at", "locked_until"])
    .where("email_hash", "=", emailHash)
    .executeTakeFirst();
  return row
    ? { failedCount: row.failed_count, windowStartedAt: row.window_started_at, lockedUntil: row.locked_until }
    : { failedCount: 0, windowStartedAt: null, lockedUntil: null };
}

/** Stores the lockout state for an address; a cleared state removes its row. */
export async function saveSignInLockout(db: Database, emailHash: string, state: LockoutRow): Promise<void> {
  if (state.failedCount === 0 || state.windowStartedAt === null) {
    await db.deleteFrom("sign_in_lockouts").where("email_hash", "=", emailHash).execute();
    return;
  }
  const values = {
    failed_count: state.failedCount,
    window_started_at: state.windowStartedAt,
    locked_until: state.lockedUntil,
  };
  await db
    .insertInto("sign_in_lockouts")
    .values({ email_hash: emailHash, ...values })
    .onConflict((oc) => oc.column("email_hash").doUpdateSet(values))
    .execute();
}

/**
 * Counts one request in a fixed window shared by every API instance: one atomic upsert, no read first.
 * Returns the count including this request.
 */
export async function countInWindow(db: Database, key: string, windowStartedAt: Date): Promise<number> {
  const row = await db
    .insertInto("rate_limit_windows")
    .values({ key, window_started_at: windowStartedAt, count: 1 })
    .onConflict((oc) =>
      oc.columns(["key", "window_started_at"]).doUpdateSet({ count: sql`rate_limit_windows.count + 1` }),
    )
    .returning("count")
    .executeTakeFirstOrThrow();
  return row.count;
}
