import { type Kysely, sql } from "kysely";

// The progress engine: an append-only log of normalized events (what a learner did, when, from where) and the
// projections derived from it, lesson progress (extended) and course progress (new), updated in the same
// transaction as the events and rebuildable from the log at any time. The application role may insert and
// read events, never change or delete them; the projections it may rewrite.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table progress_events (
      id uuid primary key default gen_random_uuid(),
      institution_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      course_id uuid not null,
      module_id uuid not null,
      lesson_id uuid not null,
      type text not null check (type in ('lesson_started', 'lesson_completed', 'video_progress',
        'resource_downloaded', 'quiz_attempted', 'live_session_attended', 'assignment_passed')),
      -- The client's clock (when the learner did it) and ours (when we heard of it).
      occurred_at timestamptz not null,
      received_at timestamptz not null,
      source text not null check (source in ('portal', 'xapi', 'import', 'assessment')),
      -- Chosen by the client once per event; a retry with the same key is a duplicate. The hash of the
      -- normalized event tells a true retry from a key reused for something else.
      idempotency_key text not null check (length(idempotency_key) between 8 and 200),
      payload_sha256 text not null check (payload_sha256 ~ '^[0-9a-f]{64}$'),
      metadata jsonb not null default '{}'::jsonb check (jsonb_typeof(metadata) = 'object'),
      -- video_progress
      position_seconds double precision check (position_seconds >= 0),
      duration_seconds double precision check (duration_seconds > 0),
      watched_ranges jsonb check (watched_ranges is null or jsonb_typeof(watched_ranges) = 'array'),
      -- quiz_attempted
      score double precision check (score >= 0),
      max_score double precision check (max_score > 0),
      passed boolean,
      -- live_session_attended
      minutes double precision check (minutes >= 0),
      unique (institution_id, user_id, idempotency_key),
      check ((type = 'video_progress') = (duration_seconds is not null and position_seconds is not null)),
      check ((type = 'quiz_attempted') = (score is not null and max_score is not null)),
      check ((type = 'live_session_attended') = (minutes is not null)),
      foreign key (lesson_id, course_id) references lessons (id, course_id) on delete cascade,
      foreign key (module_id, course_id) references modules (id, course_id) on delete cascade,
      foreign key (course_id, institution_id) references courses (id, institution_id) on delete cascade
    )`.execute(db);
  await sql`create index progress_events_learner_lesson_idx on progress_events (user_id, lesson_id)`.execute(db);
  await sql`create index progress_events_course_idx on progress_events (course_id, user_id)`.execute(db);

  await sql`
    alter table lesson_progress
      add column last_activity_at timestamptz,
      add column event_count integer not null default 0 check (event_count >= 0),
      add column watched_seconds double precision,
      add column duration_seconds double precision,
      add column watched_fraction double precision check (watched_fraction between 0 and 1),
      add column last_position_seconds double precision,
      add column best_score double precision,
      add column best_max_score double precision,
      add column best_score_percent double precision,
      add column quiz_attempts integer not null default 0 check (quiz_attempts >= 0),
      add column live_minutes double precision,
      add column downloaded_at timestamptz,
      add column assignment_passed_at timestamptz`.execute(db);

  await sql`
    create table course_progress (
      institution_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      course_id uuid not null,
      percent integer not null check (percent between 0 and 100),
      lesson_count integer not null check (lesson_count >= 0),
      completed_lessons integer not null check (completed_lessons >= 0),
      required_lessons integer not null check (required_lessons >= 0),
      completed_required_lessons integer not null check (completed_required_lessons >= 0),
      last_activity_at timestamptz,
      -- When the course's completion rules were first met (the occurred_at of the completing event).
      completed_at timestamptz,
      -- The course-completed email, once queued by the worker: its outbox row.
      completion_email_outbox_id uuid references email_outbox (id) on delete set null,
      updated_at timestamptz not null default now(),
      primary key (user_id, course_id),
      foreign key (course_id, institution_id) references courses (id, institution_id) on delete cascade
    )`.execute(db);
  await sql`create index course_progress_course_idx on course_progress (course_id)`.execute(db);

  // Events are appended and read, never changed: no UPDATE or DELETE for the application role.
  await sql`grant select, insert on progress_events to learnops_app`.execute(db);
  await sql`grant select, insert, update, delete on course_progress to learnops_app`.execute(db);
  for (const table of ["progress_events", "course_progress"]) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (institution_id = app_institution_id())
        with check (institution_id = app_institution_id())`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table course_progress`.execute(db);
  await sql`
    alter table lesson_progress
      drop column last_activity_at,
      drop column event_count,
      drop column watched_seconds,
      drop column duration_seconds,
      drop column watched_fraction,
      drop column last_position_seconds,
      drop column best_score,
      drop column best_max_score,
      drop column best_score_percent,
      drop column quiz_attempts,
      drop column live_minutes,
      drop column downloaded_at,
      drop column assignment_passed_at`.execute(db);
  await sql`drop table progress_events`.execute(db);
}
