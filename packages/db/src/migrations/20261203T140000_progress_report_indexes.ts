import { type Kysely, sql } from "kysely";

// Indexes for the staff progress reports, which read a whole institution's active enrolments (incomplete,
// stalled, overdue), an instructor's own cohorts, and learners' last activity.

export async function up(db: Kysely<unknown>): Promise<void> {
  // Row-level security adds `institution_id = …` to every read: the reports' enrolments by status start here.
  await sql`create index enrolments_institution_status_idx on enrolments (institution_id, status, created_at)`.execute(
    db,
  );
  // An instructor's cohorts (the primary key leads with the cohort).
  await sql`create index cohort_instructors_user_idx on cohort_instructors (user_id, cohort_id)`.execute(db);
  // Stalled learners: courses not completed, by last activity.
  await sql`
    create index course_progress_activity_idx on course_progress (course_id, last_activity_at)
      where completed_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index course_progress_activity_idx`.execute(db);
  await sql`drop index cohort_instructors_user_idx`.execute(db);
  await sql`drop index enrolments_institution_status_idx`.execute(db);
}
