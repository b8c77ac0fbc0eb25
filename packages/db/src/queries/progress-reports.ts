import { sql } from "kysely";
import type { Database } from "../client.ts";
import type { AccessFactsRow } from "./access.ts";
import type { OutlineLesson, OutlineModule } from "./catalogue.ts";

/**
 * Reads of progress for people: the learner's dashboard (a fixed number of statements whatever the number of
 * courses) and the staff reports (incomplete, stalled, overdue, cohort completion), each one statement a page.
 * Row-level security scopes every one to the transaction's institution.
 */

// ---------------------------------------------------------------------------------------------------------
// The learner's dashboard
// ---------------------------------------------------------------------------------------------------------

export interface DashboardEnrolmentRow {
  id: string;
  course_id: string;
  course_code: string;
  course_title: string;
  cohort_id: string | null;
  cohort_name: string | null;
  status: string;
  payment_state: string;
  lesson_count: number;
  percent: number | null;
  completed_lessons: number | null;
  completed_at: Date | null;
  last_activity_at: Date | null;
}

/** One enrolment per course (the live one, else the latest), with the course's progress projection. */
export async function learnerDashboardEnrolments(db: Database, userId: string): Promise<DashboardEnrolmentRow[]> {
  const { rows } = await sql<DashboardEnrolmentRow>`
    select distinct on (e.course_id)
           e.id, e.course_id, c.code as course_code, c.title as course_title, e.cohort_id, co.name as cohort_name,
           e.status, e.payment_state, (select count(*) from lessons l where l.course_id = e.course_id)::int as lesson_count,
           cp.percent, cp.completed_lessons, cp.completed_at, cp.last_activity_at
      from enrolments e
      join courses c on c.id = e.course_id
      left join cohorts co on co.id = e.cohort_id
      left join course_progress cp on cp.user_id = e.user_id and cp.course_id = e.course_id
     where e.user_id = ${userId}
     order by e.course_id, e.status in ('pending', 'active', 'suspended', 'review_required') desc, e.created_at desc`.execute(
    db,
  );
  return rows;
}

/** The access engine's facts for one learner and many courses, in one statement. */
export async function courseAccessFactsOf(
  db: Database,
  userId: string,
  courseIds: readonly string[],
  now: Date,
): Promise<Map<string, AccessFactsRow>> {
  if (!courseIds.length) return new Map();
  const { rows } = await sql<{ course_id: string; facts: AccessFactsRow | null }>`
    select t.course_id, access_facts(${userId}::uuid, null, t.course_id, ${now}::timestamptz) as facts
      from unnest(${courseIds}::uuid[]) as t(course_id)`.execute(db);
  return new Map(rows.flatMap((row) => (row.facts ? [[row.course_id, row.facts] as const] : [])));
}

/** The outlines of many courses (modules and lessons in order, with prerequisites): two statements. */
export async function courseOutlines(
  db: Database,
  courseIds: readonly string[],
): Promise<Map<string, OutlineModule[]>> {
  const outlines = new Map<string, OutlineModule[]>();
  if (!courseIds.length) return outlines;
  const [modules, lessons] = await Promise.all([
    sql<Omit<OutlineModule, "lessons"> & { course_id: string }>`
      select m.id, m.course_id, m.position, m.title,
             coalesce(array_agg(mp.required_module_id) filter (where mp.required_module_id is not null), '{}')
               as prerequisite_module_ids
        from modules m
        left join module_prerequisites mp on mp.module_id = m.id
       where m.course_id = any(${courseIds}::uuid[])
       group by m.id
       order by m.position, m.created_at`.execute(db),
    sql<OutlineLesson>`
      select l.id, l.module_id, l.position, l.title, l.kind, l.content_url, l.content_provider,
             l.content_external_id, l.duration_minutes, l.required,
             coalesce(array_agg(lp.required_lesson_id) filter (where lp.required_lesson_id is not null), '{}')
               as prerequisite_lesson_ids
        from lessons l
        left join lesson_prerequisites lp on lp.lesson_id = l.id
       where l.course_id = any(${courseIds}::uuid[])
       group by l.id
       order by l.position, l.created_at`.execute(db),
  ]);
  const lessonsOf = new Map<string, OutlineLesson[]>();
  for (const lesson of lessons.rows)
    lessonsOf.set(lesson.module_id, [...(lessonsOf.get(lesson.module_id) ?? []), lesson]);
  for (const { course_id, ...module } of modules.rows) {
    outlines.set(course_id, [
      ...(outlines.get(course_id) ?? []),
      { ...module, lessons: lessonsOf.get(module.id) ?? [] },
    ]);
  }
  return outlines;
}

export interface LearnerLessonStateRow {
  lesson_id: string;
  course_id: string;
  completed_at: Date | null;
  assignment_passed_at: Date | null;
}

/** What the learner has done in these courses, lesson by lesson. */
export async function learnerLessonStates(
  db: Database,
  userId: string,
  courseIds: readonly string[],
): Promise<LearnerLessonStateRow[]> {
  if (!courseIds.length) return [];
  return db
    .selectFrom("lesson_progress")
    .select(["lesson_id", "course_id", "completed_at", "assignment_passed_at"])
    .where("user_id", "=", userId)
    .where("course_id", "in", [...courseIds])
    .execute();
}

export interface LearnerDeadlineRow {
  id: string;
  enrolment_id: string;
  course_id: string;
  module_id: string | null;
  lesson_id: string | null;
  title: string;
  cohort_due_at: Date;
  extended_due_at: Date | null;
}

/** The deadlines of these enrolments' cohorts, each with the enrolment's extension when one was granted. */
export async function learnerDeadlines(db: Database, enrolmentIds: readonly string[]): Promise<LearnerDeadlineRow[]> {
  if (!enrolmentIds.length) return [];
  const { rows } = await sql<LearnerDeadlineRow>`
    select d.id, e.id as enrolment_id, d.course_id, d.module_id, d.lesson_id, coalesce(m.title, l.title) as title,
           d.due_at as cohort_due_at, x.due_at as extended_due_at
      from enrolments e
      join cohort_deadlines d on d.cohort_id = e.cohort_id
      left join deadline_extensions x on x.enrolment_id = e.id and x.deadline_id = d.id
      left join modules m on m.id = d.module_id
      left join lessons l on l.id = d.lesson_id
     where e.id = any(${enrolmentIds}::uuid[])
     order by coalesce(x.due_at, d.due_at), d.id`.execute(db);
  return rows;
}

export interface LessonProgressDetailRow {
  lesson_id: string;
  completed_at: Date | null;
  best_score_percent: number | null;
  quiz_attempts: number;
  assignment_passed_at: Date | null;
  watched_fraction: number | null;
}

/** One lesson's progress for the learner; null before they have done anything in it. */
export function learnerLessonDetail(
  db: Database,
  userId: string,
  lessonId: string,
): Promise<LessonProgressDetailRow | undefined> {
  return db
    .selectFrom("lesson_progress")
    .select([
      "lesson_id",
      "completed_at",
      "best_score_percent",
      "quiz_attempts",
      "assignment_passed_at",
      "watched_fraction",
    ])
    .where("user_id", "=", userId)
    .where("lesson_id", "=", lessonId)
    .executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------------------
// Staff reports
// ---------------------------------------------------------------------------------------------------------

/** Who the report is about: filters chosen by the reader, and the scope their role imposes. */
export interface ReportScope {
  courseId?: string | undefined;
  cohortId?: string | undefined;
  /** The learners' client group (their learner membership's): a filter, or a client manager's own group. */
  clientGroupId?: string | undefined;
  /** An instructor's own cohorts only. */
  instructorUserId?: string | undefined;
  limit: number;
}

/** Enrolments in scope, with the learner's client group; `statuses` says which enrolments count. */
function scopedEnrolments(scope: ReportScope, statuses: readonly string[]) {
  return sql`
    select e.id, e.user_id, e.course_id, e.cohort_id, e.status, e.created_at, m.client_group_id
      from enrolments e
      left join memberships m on m.user_id = e.user_id and m.role = 'learner'
     where e.status = any(${statuses}::text[])
       and (${scope.courseId ?? null}::uuid is null or e.course_id = ${scope.courseId ?? null}::uuid)
       and (${scope.cohortId ?? null}::uuid is null or e.cohort_id = ${scope.cohortId ?? null}::uuid)
       and (${scope.clientGroupId ?? null}::uuid is null or m.client_group_id = ${scope.clientGroupId ?? null}::uuid)
       and (${scope.instructorUserId ?? null}::uuid is null
            or e.cohort_id in (select ci.cohort_id from cohort_instructors ci
                                where ci.user_id = ${scope.instructorUserId ?? null}::uuid))`;
}

export interface LearnerProgressReportRow {
  total: number;
  enrolment_id: string | null;
  user_id: string;
  display_name: string;
  email: string;
  course_id: string;
  course_title: string;
  cohort_id: string | null;
  cohort_name: string | null;
  client_group_id: string | null;
  client_group_name: string | null;
  status: string;
  percent: number;
  completed_lessons: number;
  lesson_count: number;
  enrolled_at: Date;
  last_activity_at: Date | null;
  /** Keyset of the row, as text at full precision. */
  sort_key: string;
}

const learnerColumns = sql`
  s.id as enrolment_id, s.user_id, u.display_name, u.email, s.course_id, c.title as course_title,
  s.cohort_id, co.name as cohort_name, s.client_group_id, cg.name as client_group_name, s.status,
  coalesce(cp.percent, 0) as percent, coalesce(cp.completed_lessons, 0) as completed_lessons,
  (select count(*) from lessons l where l.course_id = s.course_id)::int as lesson_count,
  s.created_at as enrolled_at, cp.last_activity_at`;

const learnerJoins = sql`
  join users u on u.id = s.user_id
  join courses c on c.id = s.course_id
  left join cohorts co on co.id = s.cohort_id
  left join client_groups cg on cg.id = s.client_group_id
  left join course_progress cp on cp.user_id = s.user_id and cp.course_id = s.course_id`;

/**
 * Active enrolments whose course is not completed, least progress first, then the longest enrolled;
 * `after` is the last row's keyset.
 */
export async function incompleteLearners(
  db: Database,
  scope: ReportScope,
  after: { percent: number; enrolledAt: string; id: string } | undefined,
): Promise<LearnerProgressReportRow[]> {
  const { rows } = await sql<LearnerProgressReportRow>`
    with matching as (
      select ${learnerColumns}
        from (${scopedEnrolments(scope, ["active"])}) s ${learnerJoins}
       where cp.completed_at is null
    ),
    page as (
      select *, enrolled_at::text as sort_key from matching
       where ${after?.percent ?? null}::int is null
          or (percent, enrolled_at, enrolment_id)
             > (${after?.percent ?? null}::int, ${after?.enrolledAt ?? null}::timestamptz, ${after?.id ?? null}::uuid)
       order by percent, enrolled_at, enrolment_id
       limit ${scope.limit}
    )
    select t.total::int, page.* from (select count(*) as total from matching) t left join page on true
     order by page.percent, page.enrolled_at, page.enrolment_id`.execute(db);
  return rows;
}

/**
 * Active enrolments not completed with no activity since `before` (never started counts from enrolment),
 * longest inactive first.
 */
export async function stalledLearners(
  db: Database,
  scope: ReportScope,
  before: Date,
  after: { at: string; id: string } | undefined,
): Promise<LearnerProgressReportRow[]> {
  const { rows } = await sql<LearnerProgressReportRow>`
    with matching as (
      select ${learnerColumns}, coalesce(cp.last_activity_at, s.created_at) as active_at
        from (${scopedEnrolments(scope, ["active"])}) s ${learnerJoins}
       where cp.completed_at is null and coalesce(cp.last_activity_at, s.created_at) < ${before}::timestamptz
    ),
    page as (
      select *, active_at::text as sort_key from matching
       where ${after?.at ?? null}::timestamptz is null
          or (active_at, enrolment_id) > (${after?.at ?? null}::timestamptz, ${after?.id ?? null}::uuid)
       order by active_at, enrolment_id
       limit ${scope.limit}
    )
    select t.total::int, page.* from (select count(*) as total from matching) t left join page on true
     order by page.active_at, page.enrolment_id`.execute(db);
  return rows;
}

export interface OverdueDeadlineReportRow {
  total: number;
  enrolment_id: string | null;
  deadline_id: string;
  user_id: string;
  display_name: string;
  email: string;
  course_id: string;
  course_title: string;
  cohort_id: string;
  cohort_name: string;
  client_group_id: string | null;
  client_group_name: string | null;
  module_id: string | null;
  lesson_id: string | null;
  title: string;
  due_at: Date;
  extended: boolean;
  sort_key: string;
}

/**
 * Deadlines passed (the learner's extension replacing the cohort's date) whose module or lesson the learner
 * has not completed: a module counts as completed when every one of its required lessons is. Longest overdue
 * first.
 */
export async function overdueDeadlines(
  db: Database,
  scope: ReportScope,
  now: Date,
  after: { at: string; enrolmentId: string; deadlineId: string } | undefined,
): Promise<OverdueDeadlineReportRow[]> {
  const { rows } = await sql<OverdueDeadlineReportRow>`
    with matching as (
      select s.id as enrolment_id, d.id as deadline_id, s.user_id, u.display_name, u.email, s.course_id,
             c.title as course_title, s.cohort_id, co.name as cohort_name, s.client_group_id,
             cg.name as client_group_name, d.module_id, d.lesson_id, coalesce(m.title, l.title) as title,
             coalesce(x.due_at, d.due_at) as due_at, x.due_at is not null as extended
        from (${scopedEnrolments(scope, ["active"])}) s
        join cohort_deadlines d on d.cohort_id = s.cohort_id
        left join deadline_extensions x on x.enrolment_id = s.id and x.deadline_id = d.id
        join users u on u.id = s.user_id
        join courses c on c.id = s.course_id
        join cohorts co on co.id = s.cohort_id
        left join client_groups cg on cg.id = s.client_group_id
        left join modules m on m.id = d.module_id
        left join lessons l on l.id = d.lesson_id
       where coalesce(x.due_at, d.due_at) < ${now}::timestamptz
         and case when d.lesson_id is not null
                  then not exists (select 1 from lesson_progress lp
                                    where lp.user_id = s.user_id and lp.lesson_id = d.lesson_id
                                      and lp.completed_at is not null)
                  else exists (select 1 from lessons rl
                                where rl.module_id = d.module_id and rl.required
                                  and not exists (select 1 from lesson_progress lp
                                                   where lp.user_id = s.user_id and lp.lesson_id = rl.id
                                                     and lp.completed_at is not null)) end
    ),
    page as (
      select *, due_at::text as sort_key from matching
       where ${after?.at ?? null}::timestamptz is null
          or (due_at, enrolment_id, deadline_id)
             > (${after?.at ?? null}::timestamptz, ${after?.enrolmentId ?? null}::uuid, ${after?.deadlineId ?? null}::uuid)
       order by due_at, enrolment_id, deadline_id
       limit ${scope.limit}
    )
    select t.total::int, page.* from (select count(*) as total from matching) t left join page on true
     order by page.due_at, page.enrolment_id, page.deadline_id`.execute(db);
  return rows;
}

export interface CohortCompletionReportRow {
  total: number;
  cohort_id: string | null;
  cohort_name: string;
  starts_at: Date;
  ends_at: Date;
  course_id: string;
  course_title: string;
  enrolled: number;
  completed: number;
  average_percent: number;
  sort_key: string;
}

/**
 * Per cohort: learners enrolled (every enrolment but pending and cancelled ones), how many completed the
 * course, and their mean progress. Newest cohorts first. Narrowed to a client group, only cohorts with
 * learners of that group are listed, and only they are counted.
 */
export async function cohortCompletion(
  db: Database,
  scope: ReportScope,
  after: { at: string; id: string } | undefined,
): Promise<CohortCompletionReportRow[]> {
  const counted = ["active", "completed", "expired", "suspended", "review_required"];
  const { rows } = await sql<CohortCompletionReportRow>`
    with enrolled as (
      select s.cohort_id, count(*)::int as enrolled,
             (count(*) filter (where cp.completed_at is not null or s.status = 'completed'))::int as completed,
             coalesce(round(avg(case when s.status = 'completed' then 100 else coalesce(cp.percent, 0) end)), 0)::int
               as average_percent
        from (${scopedEnrolments(scope, counted)}) s
        left join course_progress cp on cp.user_id = s.user_id and cp.course_id = s.course_id
       where s.cohort_id is not null
       group by s.cohort_id
    ),
    matching as (
      select co.id as cohort_id, co.name as cohort_name, co.starts_at, co.ends_at, co.course_id,
             c.title as course_title, coalesce(en.enrolled, 0) as enrolled, coalesce(en.completed, 0) as completed,
             coalesce(en.average_percent, 0) as average_percent
        from cohorts co
        join courses c on c.id = co.course_id
        left join enrolled en on en.cohort_id = co.id
       where (${scope.courseId ?? null}::uuid is null or co.course_id = ${scope.courseId ?? null}::uuid)
         and (${scope.cohortId ?? null}::uuid is null or co.id = ${scope.cohortId ?? null}::uuid)
         and (${scope.clientGroupId ?? null}::uuid is null or en.cohort_id is not null)
         and (${scope.instructorUserId ?? null}::uuid is null
              or co.id in (select ci.cohort_id from cohort_instructors ci
                            where ci.user_id = ${scope.instructorUserId ?? null}::uuid))
    ),
    page as (
      select *, starts_at::text as sort_key from matching
       where ${after?.at ?? null}::timestamptz is null
          or (starts_at, cohort_id) < (${after?.at ?? null}::timestamptz, ${after?.id ?? null}::uuid)
       order by starts_at desc, cohort_id desc
       limit ${scope.limit}
    )
    select t.total::int, page.* from (select count(*) as total from matching) t left join page on true
     order by page.starts_at desc, page.cohort_id desc`.execute(db);
  return rows;
}
