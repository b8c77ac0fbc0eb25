import { type RawBuilder, sql } from "kysely";
import type { Database } from "../client.ts";

/**
 * The progress engine's queries: the event log (append and read), the lesson and course projections (written
 * whole from the domain's fold), and the course facts the fold needs. Row-level security scopes every one to
 * the transaction's institution; each takes the institution explicitly where it writes.
 */

/**
 * Serialises the progress writes of one learner (recording, rebuild) until the transaction ends, so that each
 * fold sees every event committed before it and two batches cannot overwrite each other's projection.
 */
export async function lockLearnerProgress(db: Database, userId: string): Promise<void> {
  await sql`select ${learnerProgressLock(userId)}`.execute(db);
}

/**
 * The expression that takes `lockLearnerProgress`'s lock, for a statement that does more (the tenant
 * transaction's settings: `withTenant`'s `also`). Held until the transaction ends.
 */
export function learnerProgressLock(userId: string): RawBuilder<unknown> {
  return sql`pg_advisory_xact_lock(hashtextextended(${`progress:${userId}`}, 0))`;
}

/**
 * `lockLearnerProgress` for a caller already in a transaction, in the same round trip: also says whether the
 * transaction is scoped to this institution and person already (a procedure's tenant transaction), in which
 * case the caller need not set the scope again.
 */
export async function lockLearnerProgressInScope(
  db: Database,
  scope: { institutionId: string; userId: string },
): Promise<boolean> {
  const { rows } = await sql<{ scoped: boolean | null }>`
    select pg_advisory_xact_lock(hashtextextended(${`progress:${scope.userId}`}, 0)) is null as locked,
           (current_setting('app.institution_id', true) = ${scope.institutionId}
            and current_setting('app.user_id', true) = ${scope.userId}) as scoped`.execute(db);
  return rows[0]?.scoped === true;
}

/** Events of the learner already logged under these keys: a repeated key is a duplicate, or a reused key. */
export function findEventsByKeys(db: Database, userId: string, keys: readonly string[]) {
  if (!keys.length) return Promise.resolve([]);
  return db
    .selectFrom("progress_events")
    .select(["id", "idempotency_key", "payload_sha256"])
    .where("user_id", "=", userId)
    .where("idempotency_key", "in", keys)
    .execute();
}

export interface NewProgressEvent {
  institution_id: string;
  user_id: string;
  course_id: string;
  module_id: string;
  lesson_id: string;
  type: string;
  occurred_at: Date;
  received_at: Date;
  source: string;
  idempotency_key: string;
  payload_sha256: string;
  metadata: string;
  position_seconds: number | null;
  duration_seconds: number | null;
  watched_ranges: string | null;
  score: number | null;
  max_score: number | null;
  passed: boolean | null;
  minutes: number | null;
}

/** Appends events in one statement; a key logged meanwhile by a concurrent request is skipped, not an error. */
export async function appendProgressEvents(db: Database, events: readonly NewProgressEvent[]) {
  if (!events.length) return [];
  return db
    .insertInto("progress_events")
    .values([...events])
    .onConflict((conflict) => conflict.columns(["institution_id", "user_id", "idempotency_key"]).doNothing())
    .returning(["id", "idempotency_key"])
    .execute();
}

/**
 * In one statement: the learner's events already logged under these keys (as they were before this
 * statement), the append of `events` (keys logged already are skipped, not errors), and the learner's stored
 * lesson progress in these lessons: what recording needs between taking the learner's lock and writing the
 * projections. Call under the learner's progress lock; the lock must be taken by an earlier statement, so
 * that this one's snapshot sees every event committed before it.
 */
export async function appendProgressEventsAndRead(
  db: Database,
  params: {
    userId: string;
    keys: readonly string[];
    events: readonly NewProgressEvent[];
    lessonIds: readonly string[];
  },
): Promise<{
  known: { id: string; idempotency_key: string; payload_sha256: string }[];
  inserted: { id: string; idempotency_key: string }[];
  stored: StoredLessonProgress[];
}> {
  const inserted = params.events.length
    ? sql`${db
        .insertInto("progress_events")
        .values([...params.events])
        .onConflict((conflict) => conflict.columns(["institution_id", "user_id", "idempotency_key"]).doNothing())
        .returning(["id", "idempotency_key"])}`
    : sql`select null::uuid as id, null::text as idempotency_key where false`;
  const { rows } = await sql<{
    known: { id: string; idempotency_key: string; payload_sha256: string }[];
    inserted: { id: string; idempotency_key: string }[];
    stored: StoredLessonProgress[];
  }>`
    with inserted as (${inserted})
    select coalesce((select json_agg(json_build_object('id', e.id, 'idempotency_key', e.idempotency_key,
                                                       'payload_sha256', e.payload_sha256))
                       from progress_events e
                      where e.user_id = ${params.userId} and e.idempotency_key = any(${params.keys}::text[])), '[]')
             as known,
           coalesce((select json_agg(i) from inserted i), '[]') as inserted,
           coalesce((select json_agg(json_build_object(${sql.raw(
             storedLessonColumns.map((column) => `'${column}', lp.${column}`).join(", "),
           )}))
                       from lesson_progress lp
                      where lp.user_id = ${params.userId} and lp.lesson_id = any(${params.lessonIds}::uuid[])), '[]')
             as stored`.execute(db);
  const found = rows[0];
  if (!found) throw new Error("the append returned no row");
  for (const row of found.stored) reviveLessonDates(row);
  return found;
}

/** The log as the domain's fold reads it. */
export interface LoggedEventRow {
  user_id: string;
  lesson_id: string;
  type: string;
  occurred_at: Date;
  idempotency_key: string;
  position_seconds: number | null;
  duration_seconds: number | null;
  watched_ranges: [number, number][] | null;
  score: number | null;
  max_score: number | null;
  passed: boolean | null;
  minutes: number | null;
}

const loggedEventColumns = [
  "user_id",
  "lesson_id",
  "type",
  "occurred_at",
  "idempotency_key",
  "position_seconds",
  "duration_seconds",
  "watched_ranges",
  "score",
  "max_score",
  "passed",
  "minutes",
] as const;

/** Every event of one learner in these lessons. */
export async function loadLearnerLessonEvents(
  db: Database,
  userId: string,
  lessonIds: readonly string[],
): Promise<LoggedEventRow[]> {
  if (!lessonIds.length) return [];
  return (await db
    .selectFrom("progress_events")
    .select(loggedEventColumns)
    .where("user_id", "=", userId)
    .where("lesson_id", "in", lessonIds)
    .execute()) as LoggedEventRow[];
}

/** Every event of a course (all learners) or of a learner (all courses): the rebuild's input. */
export async function loadEventsForRebuild(
  db: Database,
  scope: { courseId: string; userIds?: readonly string[] } | { userId: string },
): Promise<LoggedEventRow[]> {
  let query = db.selectFrom("progress_events").select(loggedEventColumns);
  if ("courseId" in scope) {
    query = query.where("course_id", "=", scope.courseId);
    if (scope.userIds) query = query.where("user_id", "in", [...scope.userIds, noUser]);
  } else {
    query = query.where("user_id", "=", scope.userId);
  }
  return (await query.execute()) as LoggedEventRow[];
}

/** A user id no row has: keeps an `in` list of ids valid when it is empty. */
export const noUser = "00000000-0000-0000-0000-000000000000";

/**
 * The learners in a course's projections (and with `withEvents`, its log), by user id, after `after`, at most
 * `limit`: the pages a course-wide recompute goes through.
 */
export async function courseLearnerIds(
  db: Database,
  params: { courseId: string; withEvents: boolean; after: string | null; limit: number },
): Promise<string[]> {
  const inCourse = <T extends "course_progress" | "lesson_progress" | "progress_events">(table: T) => {
    let query = db
      .selectFrom(table as "course_progress")
      .select("user_id")
      .where("course_id", "=", params.courseId);
    if (params.after) query = query.where("user_id", ">", params.after);
    return query;
  };
  let query = inCourse("course_progress").union(inCourse("lesson_progress"));
  if (params.withEvents) query = query.union(inCourse("progress_events"));
  const rows = await query.orderBy("user_id").limit(params.limit).execute();
  return rows.map((row) => row.user_id);
}

/** A lesson projection row, whole: every column the fold computes. */
export interface LessonProgressRow {
  institution_id: string;
  user_id: string;
  course_id: string;
  lesson_id: string;
  started_at: Date | null;
  completed_at: Date | null;
  last_activity_at: Date | null;
  event_count: number;
  watched_seconds: number | null;
  duration_seconds: number | null;
  watched_fraction: number | null;
  last_position_seconds: number | null;
  best_score: number | null;
  best_max_score: number | null;
  best_score_percent: number | null;
  quiz_attempts: number;
  live_minutes: number | null;
  downloaded_at: Date | null;
  assignment_passed_at: Date | null;
  /** The merged watched stretches, as JSON text when written. */
  watched_ranges: string;
  updated_at: Date;
}

/** A lesson projection as read back: what the fold continues from. */
export type StoredLessonProgress = Omit<LessonProgressRow, "watched_ranges" | "updated_at"> & {
  watched_ranges: [number, number][];
};

const storedLessonColumns = [
  "institution_id",
  "user_id",
  "course_id",
  "lesson_id",
  "started_at",
  "completed_at",
  "last_activity_at",
  "event_count",
  "watched_seconds",
  "duration_seconds",
  "watched_fraction",
  "last_position_seconds",
  "best_score",
  "best_max_score",
  "best_score_percent",
  "quiz_attempts",
  "live_minutes",
  "downloaded_at",
  "assignment_passed_at",
  "watched_ranges",
] as const;

/** The learner's lesson progress rows for these lessons, whole. */
export async function loadLearnerLessonStates(
  db: Database,
  userId: string,
  lessonIds: readonly string[],
): Promise<StoredLessonProgress[]> {
  if (!lessonIds.length) return [];
  return (await db
    .selectFrom("lesson_progress")
    .select(storedLessonColumns)
    .where("user_id", "=", userId)
    .where("lesson_id", "in", lessonIds)
    .execute()) as StoredLessonProgress[];
}

/** What the course fold reads back: the learner's lesson progress in the courses, and their course rows. */
export interface LearnerCourseState {
  /** Whether the write changed any lesson's completion (what the lesson_progress triggers announce). */
  completionChanged: boolean;
  lessons: { course_id: string; lesson_id: string; completed_at: Date | null; last_activity_at: Date | null }[];
  /** The stored course rows, with what the course fold computes (to skip a write that would change nothing). */
  courses: StoredCourseProgress[];
}

export interface StoredCourseProgress {
  course_id: string;
  percent: number;
  lesson_count: number;
  completed_lessons: number;
  required_lessons: number;
  completed_required_lessons: number;
  last_activity_at: Date | null;
  completed_at: Date | null;
}

/**
 * Writes lesson progress rows and, in the same statement, reads back the learner's lesson progress in these
 * courses (the rows just written included) and their course progress rows: one round trip instead of three.
 */
export async function writeLessonProgressAndRead(
  db: Database,
  userId: string,
  courseIds: readonly string[],
  rows: readonly LessonProgressRow[],
): Promise<LearnerCourseState> {
  if (!courseIds.length) return { completionChanged: false, lessons: [], courses: [] };
  const written = rows.length
    ? sql`${db
        .insertInto("lesson_progress")
        .values([...rows])
        .onConflict((conflict) =>
          conflict.columns(["user_id", "lesson_id"]).doUpdateSet((eb) => ({
            started_at: eb.ref("excluded.started_at"),
            completed_at: eb.ref("excluded.completed_at"),
            last_activity_at: eb.ref("excluded.last_activity_at"),
            event_count: eb.ref("excluded.event_count"),
            watched_seconds: eb.ref("excluded.watched_seconds"),
            duration_seconds: eb.ref("excluded.duration_seconds"),
            watched_fraction: eb.ref("excluded.watched_fraction"),
            last_position_seconds: eb.ref("excluded.last_position_seconds"),
            best_score: eb.ref("excluded.best_score"),
            best_max_score: eb.ref("excluded.best_max_score"),
            best_score_percent: eb.ref("excluded.best_score_percent"),
            quiz_attempts: eb.ref("excluded.quiz_attempts"),
            live_minutes: eb.ref("excluded.live_minutes"),
            downloaded_at: eb.ref("excluded.downloaded_at"),
            assignment_passed_at: eb.ref("excluded.assignment_passed_at"),
            watched_ranges: eb.ref("excluded.watched_ranges"),
            updated_at: eb.ref("excluded.updated_at"),
          })),
        )
        .returning([
          "course_id",
          "lesson_id",
          "completed_at",
          "last_activity_at",
          // The very test the lesson_progress triggers make before announcing (migration 20261203T150000).
          sql<boolean>`old.completed_at is distinct from new.completed_at`.as("completion_changed"),
        ])}`
    : sql`select null::uuid as course_id, null::uuid as lesson_id, null::timestamptz as completed_at,
                 null::timestamptz as last_activity_at, false as completion_changed where false`;
  // The CTE's rows are the new versions; the table scan sees the old ones, which the NOT EXISTS leaves out.
  const { rows: found } = await sql<{
    kind: "lesson" | "course";
    course_id: string;
    lesson_id: string | null;
    completed_at: Date | null;
    last_activity_at: Date | null;
    course: Omit<StoredCourseProgress, "course_id" | "completed_at" | "last_activity_at"> | null;
    completion_changed: boolean;
  }>`
    with written as (${written})
    select 'lesson' as kind, course_id, lesson_id, completed_at, last_activity_at, null::json as course,
           completion_changed
      from written
    union all
    select 'lesson', lp.course_id, lp.lesson_id, lp.completed_at, lp.last_activity_at, null, false
      from lesson_progress lp
     where lp.user_id = ${userId} and lp.course_id = any(${courseIds}::uuid[])
       and not exists (select 1 from written w where w.lesson_id = lp.lesson_id)
    union all
    select 'course', cp.course_id, null, cp.completed_at, cp.last_activity_at,
           json_build_object('percent', cp.percent, 'lesson_count', cp.lesson_count,
                             'completed_lessons', cp.completed_lessons, 'required_lessons', cp.required_lessons,
                             'completed_required_lessons', cp.completed_required_lessons), false
      from course_progress cp
     where cp.user_id = ${userId} and cp.course_id = any(${courseIds}::uuid[])`.execute(db);
  return {
    completionChanged: found.some((row) => row.completion_changed),
    lessons: found.flatMap((row) =>
      row.kind === "lesson" && row.lesson_id
        ? [
            {
              course_id: row.course_id,
              lesson_id: row.lesson_id,
              completed_at: row.completed_at,
              last_activity_at: row.last_activity_at,
            },
          ]
        : [],
    ),
    courses: found.flatMap((row) =>
      row.kind === "course" && row.course
        ? [
            {
              ...row.course,
              course_id: row.course_id,
              completed_at: row.completed_at,
              last_activity_at: row.last_activity_at,
            },
          ]
        : [],
    ),
  };
}

/** A course's lessons, modules with their prerequisite modules, and settings: what completion is judged on. */
export interface CourseStructureRow {
  id: string;
  settings: unknown;
  lessons: { id: string; module_id: string; kind: string; required: boolean }[];
  modules: { id: string; prerequisite_module_ids: string[] }[];
}

export async function loadCourseStructures(
  db: Database,
  courseIds: readonly string[],
): Promise<Map<string, CourseStructureRow>> {
  return loadStructures(db, courseIds.length ? sql`c.id = any(${courseIds}::uuid[])` : null);
}

/** The structures of the courses these lessons belong to (lessons of other institutions are not found). */
export async function loadCourseStructuresOfLessons(
  db: Database,
  lessonIds: readonly string[],
): Promise<Map<string, CourseStructureRow>> {
  return loadStructures(
    db,
    lessonIds.length ? sql`c.id in (select course_id from lessons where id = any(${lessonIds}::uuid[]))` : null,
  );
}

async function loadStructures(
  db: Database,
  condition: ReturnType<typeof sql> | null,
): Promise<Map<string, CourseStructureRow>> {
  if (!condition) return new Map();
  const { rows } = await sql<CourseStructureRow>`
    select c.id, c.settings,
           coalesce((select json_agg(json_build_object('id', l.id, 'module_id', l.module_id, 'kind', l.kind,
                                                       'required', l.required) order by l.position, l.id)
                       from lessons l where l.course_id = c.id), '[]') as lessons,
           coalesce((select json_agg(json_build_object('id', m.id, 'prerequisite_module_ids',
                                       coalesce((select array_agg(mp.required_module_id)
                                                   from module_prerequisites mp where mp.module_id = m.id), '{}'))
                                     order by m.position, m.id)
                       from modules m where m.course_id = c.id), '[]') as modules
      from courses c
     where ${condition}`.execute(db);
  return new Map(rows.map((row) => [row.id, row]));
}

export interface CourseProgressRow {
  institution_id: string;
  user_id: string;
  course_id: string;
  percent: number;
  lesson_count: number;
  completed_lessons: number;
  required_lessons: number;
  completed_required_lessons: number;
  last_activity_at: Date | null;
  completed_at: Date | null;
  updated_at: Date;
}

export async function writeCourseProgress(db: Database, rows: readonly CourseProgressRow[]): Promise<void> {
  if (!rows.length) return;
  await db
    .insertInto("course_progress")
    .values([...rows])
    .onConflict((conflict) =>
      conflict.columns(["user_id", "course_id"]).doUpdateSet((eb) => ({
        percent: eb.ref("excluded.percent"),
        lesson_count: eb.ref("excluded.lesson_count"),
        completed_lessons: eb.ref("excluded.completed_lessons"),
        required_lessons: eb.ref("excluded.required_lessons"),
        completed_required_lessons: eb.ref("excluded.completed_required_lessons"),
        last_activity_at: eb.ref("excluded.last_activity_at"),
        completed_at: eb.ref("excluded.completed_at"),
        updated_at: eb.ref("excluded.updated_at"),
      })),
    )
    .execute();
}

/**
 * Marks the learner's live enrolment in the course completed, if it is active; returns it (id, before) when it
 * changed. Ended enrolments (expired, cancelled) are history and stay as they are.
 */
export async function completeEnrolment(
  db: Database,
  params: { userId: string; courseId: string; completedAt: Date; now: Date },
) {
  return db
    .updateTable("enrolments")
    .set({ status: "completed", completed_at: params.completedAt, updated_at: params.now })
    .where("user_id", "=", params.userId)
    .where("course_id", "=", params.courseId)
    .where("status", "=", "active")
    .returning(["id"])
    .executeTakeFirst();
}

/**
 * What a fold of a learner's progress in a course depends on: their lesson progress rows in it and their course
 * progress row, each by its row version. Any write of any of them changes it.
 */
export interface ProgressFingerprint {
  lessons: Record<string, string>;
  course: string | null;
}

/** A learner's progress in one course as the fold continues from it, with its fingerprint. */
export interface LearnerProgressState {
  course_id: string;
  fingerprint: ProgressFingerprint;
  lessons: StoredLessonProgress[];
  course: Omit<StoredCourseProgress, "course_id"> | null;
}

/** One learner's folded events, to be written only if the states folded onto are still the stored ones. */
export interface ProgressWrite {
  userId: string;
  /** Every course the events are in, with the fingerprint of the state folded onto (null: none, read it). */
  courses: readonly { courseId: string; fingerprint: ProgressFingerprint | null }[];
  keys: readonly string[];
  events: readonly NewProgressEvent[];
  lessons: readonly LessonProgressRow[];
  courseRows: readonly CourseProgressRow[];
}

export type RecordProgressOutcome =
  /** Nothing written: some keys were logged before (whatever the state). */
  | { outcome: "known"; known: { id: string; idempotency_key: string; payload_sha256: string }[] }
  /** Nothing written: a state is not the one given; here they all are as they are now. */
  | { outcome: "stale"; states: LearnerProgressState[] }
  /** Events and projections written: the new row versions of the rows written, by lesson and by course. */
  | {
      outcome: "written";
      inserted: { id: string; idempotency_key: string }[];
      lessons: Record<string, string>;
      courses: Record<string, string>;
    };

/**
 * Several learners' writes in one statement outside any transaction (the `record_progress` function, migration
 * 20261203T160000), at most one per learner: under the learners' progress locks, each is written only if
 * none of its keys was logged before and each of its states still has the fingerprint given; otherwise it
 * writes nothing and its outcome says why. One outcome per write, in order. The institution is set by the
 * function, from the caller (the sessions' memberships), for its own duration.
 */
export async function recordProgressWrites(
  db: Database,
  institutionId: string,
  writes: readonly ProgressWrite[],
): Promise<RecordProgressOutcome[]> {
  // jsonb_populate_recordset reads JSON values: the JSON-text columns go in as the values they hold.
  const items = writes.map((write) => ({
    user_id: write.userId,
    keys: write.keys,
    courses: write.courses.map((course) => ({ course_id: course.courseId, fingerprint: course.fingerprint })),
    events: write.events.map((event) => ({
      ...event,
      metadata: JSON.parse(event.metadata) as unknown,
      watched_ranges: event.watched_ranges === null ? null : (JSON.parse(event.watched_ranges) as unknown),
    })),
    lessons: write.lessons.map((row) => ({ ...row, watched_ranges: JSON.parse(row.watched_ranges) as unknown })),
    course_rows: write.courseRows,
  }));
  const { rows } = await sql<{ outcomes: RecordProgressOutcome[] | null }>`
    select record_progress(${institutionId}::uuid, ${JSON.stringify(items)}::jsonb) as outcomes`.execute(db);
  const outcomes = rows[0]?.outcomes;
  if (!outcomes || outcomes.length !== writes.length) throw new Error("record_progress gave no outcome per write");
  for (const outcome of outcomes) {
    if (outcome.outcome !== "stale") continue;
    for (const state of outcome.states) {
      for (const row of state.lessons) reviveLessonDates(row);
      if (state.course) {
        state.course.completed_at = revive(state.course.completed_at);
        state.course.last_activity_at = revive(state.course.last_activity_at);
      }
    }
  }
  return outcomes;
}

const revive = (value: Date | string | null) => (value === null ? null : new Date(value));

/** JSON carries timestamps as text: back to dates, as the other reads give them. */
function reviveLessonDates(row: StoredLessonProgress): void {
  row.started_at = revive(row.started_at);
  row.completed_at = revive(row.completed_at);
  row.last_activity_at = revive(row.last_activity_at);
  row.downloaded_at = revive(row.downloaded_at);
  row.assignment_passed_at = revive(row.assignment_passed_at);
}
