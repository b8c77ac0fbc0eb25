import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per "is a worker picking up jobs?" check, written by the API and completed by a worker.
  await db.schema
    .createTable("worker_checks")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("requested_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("completed_at", "timestamptz")
    .addColumn("worked_by", "text")
    .addCheckConstraint(
      "worker_checks_completion_complete",
      sql`(completed_at is null) = (worked_by is null) and (completed_at is null or completed_at >= requested_at)`,
    )
    .execute();
  await db.schema.createIndex("worker_checks_requested_at_idx").on("worker_checks").column("requested_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("worker_checks").execute();
}
