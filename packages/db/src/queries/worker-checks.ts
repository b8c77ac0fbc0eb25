import { type Selectable, sql } from "kysely";
import type { Database } from "../client.ts";
import type { WorkerChecks } from "../schema.ts";

export type WorkerCheckRow = Selectable<WorkerChecks>;

export function insertWorkerCheck(db: Database) {
  return db.insertInto("worker_checks").defaultValues().returningAll().executeTakeFirstOrThrow();
}

export function findWorkerCheck(db: Database, id: string) {
  return db.selectFrom("worker_checks").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * Records that a worker answered. Only the first answer counts: a redelivered job (delivery is at least
 * once) leaves the original completion in place. Returns false when the check does not exist.
 */
export async function completeWorkerCheck(db: Database, params: { id: string; workedBy: string }): Promise<boolean> {
  const row = await db
    .updateTable("worker_checks")
    .set({
      completed_at: sql<Date>`coalesce(completed_at, greatest(requested_at, now()))`,
      worked_by: sql<string>`coalesce(worked_by, ${params.workedBy})`,
    })
    .where("id", "=", params.id)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** The newest check still waiting for a worker, if it was requested within the last `seconds`. */
export function findRecentWaitingWorkerCheck(db: Database, seconds: number) {
  return db
    .selectFrom("worker_checks")
    .selectAll()
    .where("completed_at", "is", null)
    .where("requested_at", ">", sql<Date>`now() - make_interval(secs => ${seconds})`)
    .orderBy("requested_at", "desc")
    .limit(1)
    .executeTakeFirst();
}
