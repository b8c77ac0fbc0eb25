import { type Kysely, sql } from "kysely";

// The merged watched stretches of a video lesson, kept on its progress row, so that events later than
// everything folded so far are folded onto the row instead of re-reading the lesson's whole event log (a
// video's heartbeats make that log long). Rows written before are refolded from the log on their next event.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table lesson_progress
      add column watched_ranges jsonb not null default '[]'::jsonb check (jsonb_typeof(watched_ranges) = 'array')`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table lesson_progress drop column watched_ranges`.execute(db);
}
