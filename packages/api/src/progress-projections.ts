import type { LessonKind } from "@learnops/contracts/catalogue";
import { type CompletionRules, completionRules } from "@learnops/contracts/progress";
import type { Database } from "@learnops/db/client";
import { appendAuditEvent } from "@learnops/db/queries/audit";
import {
  type CourseProgressRow,
  type CourseStructureRow,
  completeEnrolment,
  courseLearnerIds,
  type LearnerCourseState,
  type LessonProgressRow,
  type LoggedEventRow,
  loadCourseStructures,
  loadEventsForRebuild,
  loadLearnerLessonEvents,
  loadLearnerLessonStates,
  lockLearnerProgress,
  noUser,
  type StoredCourseProgress,
  type StoredLessonProgress,
  writeCourseProgress,
  writeLessonProgressAndRead,
} from "@learnops/db/queries/progress";
import { withTenant } from "@learnops/db/tenancy";
import {
  type CourseProgress,
  type CourseStructure,
  continueLessonProgress,
  evaluateCourseProgress,
  foldLessonProgress,
  type LessonProgress,
  type LoggedProgressEvent,
} from "@learnops/domain/progress";
import { courseCompletedJob, progressRecomputeJob } from "@learnops/jobs/queues";
import { sendJobOnce } from "@learnops/jobs/send";
import type { PgBoss } from "pg-boss";

/**
 * The projections of the event log (lesson progress, course progress) and what follows a course completion.
 * The incremental path (after recording events) and the rebuild call the same function, which folds the log
 * with the domain's pure functions: a rebuild gives exactly what the increments gave.
 */

/** What projection writes need besides the database: the clock, and the job queue for completions. */
export interface ProjectionServices {
  now: Date;
  /** Sends the course-completed job in the same transaction; without it no job is sent (see the ADR 012). */
  jobs?: PgBoss | undefined;
}

/** The course's completion rules from its settings; settings written before rules existed give the defaults. */
export function completionRulesOf(settings: unknown): CompletionRules {
  const completion =
    settings && typeof settings === "object" && "completion" in settings
      ? (settings as { completion: unknown }).completion
      : {};
  const parsed = completionRules.safeParse(completion ?? {});
  return parsed.success ? parsed.data : completionRules.parse({});
}

export function toCourseStructure(row: CourseStructureRow): CourseStructure {
  return {
    lessons: row.lessons.map((lesson) => ({
      id: lesson.id,
      moduleId: lesson.module_id,
      kind: lesson.kind as LessonKind,
      required: lesson.required,
    })),
    modules: row.modules.map((module) => ({ id: module.id, prerequisiteModuleIds: module.prerequisite_module_ids })),
  };
}

/**
 * A stored row as the state the fold continues from; null when it cannot be trusted for that (no events
 * folded into it, or a video row written before the watched stretches were kept).
 */
function toLessonProgress(row: StoredLessonProgress): LessonProgress | null {
  if (row.event_count === 0) return null;
  if ((row.watched_seconds ?? 0) > 0 && row.watched_ranges.length === 0) return null;
  const date = (value: Date | null) => (value === null ? null : new Date(value));
  return {
    startedAt: date(row.started_at),
    completedAt: date(row.completed_at),
    lastActivityAt: date(row.last_activity_at),
    eventCount: row.event_count,
    watchedSeconds: row.watched_seconds,
    durationSeconds: row.duration_seconds,
    watchedFraction: row.watched_fraction,
    lastPositionSeconds: row.last_position_seconds,
    bestScore: row.best_score,
    bestMaxScore: row.best_max_score,
    bestScorePercent: row.best_score_percent,
    quizAttempts: row.quiz_attempts,
    liveMinutes: row.live_minutes,
    downloadedAt: date(row.downloaded_at),
    assignmentPassedAt: date(row.assignment_passed_at),
    watchedStretches: row.watched_ranges,
  };
}

export function toLoggedEvent(row: LoggedEventRow): LoggedProgressEvent {
  return {
    type: row.type as LoggedProgressEvent["type"],
    occurredAt: new Date(row.occurred_at),
    idempotencyKey: row.idempotency_key,
    positionSeconds: row.position_seconds,
    durationSeconds: row.duration_seconds,
    watchedRanges: row.watched_ranges ?? [],
    score: row.score,
    maxScore: row.max_score,
    passed: row.passed,
    minutes: row.minutes,
  };
}

/** What folding needs of the learner's courses: each lesson's kind and course, each course's rules. */
export interface FoldContext {
  kinds: ReadonlyMap<string, LessonKind>;
  rulesOf: ReadonlyMap<string, CompletionRules>;
}

export function foldContextOf(structures: ReadonlyMap<string, CourseStructureRow>): FoldContext {
  const kinds = new Map<string, LessonKind>();
  for (const structure of structures.values()) {
    for (const lesson of structure.lessons) kinds.set(lesson.id, lesson.kind as LessonKind);
  }
  const rulesOf = new Map(
    [...structures.values()].map((structure) => [structure.id, completionRulesOf(structure.settings)]),
  );
  return { kinds, rulesOf };
}

/**
 * The new events folded onto the learner's stored rows, lesson by lesson, where the domain can continue from
 * them; lessons missing here (no trustworthy row, or events earlier than those folded) need their whole log.
 */
export function continueStoredProgress(
  context: FoldContext,
  stored: readonly StoredLessonProgress[],
  newEvents: ReadonlyMap<string, readonly LoggedProgressEvent[]>,
): Map<string, LessonProgress> {
  const folded = new Map<string, LessonProgress>();
  for (const row of stored) {
    const kind = context.kinds.get(row.lesson_id);
    const rules = context.rulesOf.get(row.course_id);
    const events = newEvents.get(row.lesson_id);
    const previous = toLessonProgress(row);
    if (!kind || !rules || !events || !previous) continue;
    const progress = continueLessonProgress({ id: row.lesson_id, kind }, previous, events, rules);
    if (progress) folded.set(row.lesson_id, progress);
  }
  return folded;
}

/** The lesson projection rows of folded progress, in the courses' order. */
export function lessonProgressRows(
  learner: { institutionId: string; userId: string },
  lessonsByCourse: ReadonlyMap<string, ReadonlySet<string>>,
  folded: ReadonlyMap<string, LessonProgress>,
  now: Date,
): LessonProgressRow[] {
  const rows: LessonProgressRow[] = [];
  for (const [courseId, lessons] of lessonsByCourse) {
    for (const lessonId of lessons) {
      const progress = folded.get(lessonId);
      if (!progress) continue;
      rows.push({
        institution_id: learner.institutionId,
        user_id: learner.userId,
        course_id: courseId,
        lesson_id: lessonId,
        started_at: progress.startedAt,
        completed_at: progress.completedAt,
        last_activity_at: progress.lastActivityAt,
        event_count: progress.eventCount,
        watched_seconds: progress.watchedSeconds,
        duration_seconds: progress.durationSeconds,
        watched_fraction: progress.watchedFraction,
        last_position_seconds: progress.lastPositionSeconds,
        best_score: progress.bestScore,
        best_max_score: progress.bestMaxScore,
        best_score_percent: progress.bestScorePercent,
        quiz_attempts: progress.quizAttempts,
        live_minutes: progress.liveMinutes,
        downloaded_at: progress.downloadedAt,
        assignment_passed_at: progress.assignmentPassedAt,
        watched_ranges: JSON.stringify(progress.watchedStretches),
        updated_at: now,
      });
    }
  }
  return rows;
}

/**
 * Refolds one learner's progress in these lessons from the log, then their progress in those lessons'
 * courses, writing both projections; a course completed by it is recorded (enrolment completed, audited as a
 * system action) and its job sent. Runs in the caller's tenant transaction. Call with the learner's progress
 * lock held (`lockLearnerProgress`) so the fold sees every committed event.
 */
export async function refreshLearnerProgress(
  trx: Database,
  learner: { institutionId: string; userId: string },
  lessonsByCourse: ReadonlyMap<string, ReadonlySet<string>>,
  services: ProjectionServices,
  /** The courses' structures when the caller has loaded them already (the recording has). */
  loaded?: ReadonlyMap<string, CourseStructureRow>,
  /**
   * The events just logged, by lesson: folded onto the stored rows when they are later than everything folded
   * there (the domain says when); without them, or when the domain declines, the lesson's log is refolded.
   */
  newEvents?: ReadonlyMap<string, readonly LoggedProgressEvent[]>,
  /** The learner's stored rows of these lessons, when the caller has read them already under the lock. */
  storedRows?: readonly StoredLessonProgress[],
): Promise<{ accessChanged: boolean }> {
  const courseIds = [...lessonsByCourse.keys()];
  const lessonIds = [...lessonsByCourse.values()].flatMap((lessons) => [...lessons]);
  const structures =
    loaded && courseIds.every((id) => loaded.has(id)) ? loaded : await loadCourseStructures(trx, courseIds);
  const context = foldContextOf(structures);

  // Fold the new events onto the stored rows where the domain can; the whole log of the other lessons.
  const folded = newEvents
    ? continueStoredProgress(
        context,
        storedRows ?? (await loadLearnerLessonStates(trx, learner.userId, lessonIds)),
        newEvents,
      )
    : new Map<string, LessonProgress>();
  const refold = lessonIds.filter((id) => !folded.has(id));
  const eventsByLesson = new Map<string, LoggedProgressEvent[]>();
  for (const row of await loadLearnerLessonEvents(trx, learner.userId, refold)) {
    eventsByLesson.set(row.lesson_id, [...(eventsByLesson.get(row.lesson_id) ?? []), toLoggedEvent(row)]);
  }
  for (const lessonId of refold) {
    const kind = context.kinds.get(lessonId);
    const events = eventsByLesson.get(lessonId) ?? [];
    const courseId = [...lessonsByCourse].find(([, lessons]) => lessons.has(lessonId))?.[0];
    const rules = courseId ? context.rulesOf.get(courseId) : undefined;
    if (!kind || !rules || !events.length) continue;
    folded.set(lessonId, foldLessonProgress({ id: lessonId, kind }, events, rules));
  }

  const lessonRows = lessonProgressRows(learner, lessonsByCourse, folded, services.now);
  const state = await writeLessonProgressAndRead(trx, learner.userId, courseIds, lessonRows);
  const { rows, completions } = courseProgressRows(learner, courseIds, structures, state, services.now);
  await writeCourseProgress(trx, rows);
  for (const completion of completions) await recordCourseCompletion(trx, learner, completion, services);
  // What the access cache holds of progress is which lessons are completed (prerequisites), and enrolments
  // change only with a course completion: the lesson_progress triggers announce exactly the first (migration
  // 20261203T150000), by the test the write reports; the enrolments' trigger, the second.
  return { accessChanged: state.completionChanged || completions.length > 0 };
}

/**
 * The learner's course progress rows recomputed from their lesson progress (`state`: every lesson row of
 * theirs in these courses, and the stored course rows): only the rows that change, and the completions
 * among them (not completed before, completed now).
 */
export function courseProgressRows(
  learner: { institutionId: string; userId: string },
  courseIds: readonly string[],
  structures: ReadonlyMap<string, CourseStructureRow>,
  state: Pick<LearnerCourseState, "lessons" | "courses">,
  now: Date,
): { rows: CourseProgressRow[]; completions: { courseId: string; completedAt: Date }[] } {
  const { lessons: lessonProgress, courses: before } = state;
  const stored = new Map(before.map((row) => [row.course_id, row]));
  const rows: CourseProgressRow[] = [];
  const completions: { courseId: string; completedAt: Date }[] = [];
  for (const courseId of courseIds) {
    const structure = structures.get(courseId);
    if (!structure) continue;
    const progress = new Map(
      lessonProgress
        .filter((row) => row.course_id === courseId)
        .map((row) => [
          row.lesson_id,
          {
            completedAt: row.completed_at ? new Date(row.completed_at) : null,
            lastActivityAt: row.last_activity_at ? new Date(row.last_activity_at) : null,
          },
        ]),
    );
    const folded = evaluateCourseProgress(
      toCourseStructure(structure),
      progress,
      completionRulesOf(structure.settings),
    );
    const previous = stored.get(courseId);
    // A completion once recorded stands (ADR 012): a course changed since (a lesson added or made required,
    // stricter rules) counts for those still working through it, not against those who finished it.
    const course =
      previous?.completed_at && !folded.completedAt
        ? { ...folded, percent: 100, completedAt: new Date(previous.completed_at) }
        : folded;
    // Unchanged (an older event, a heartbeat that moved no total): no write, and no completion to record.
    if (previous && sameCourseProgress(previous, course)) continue;
    rows.push({
      institution_id: learner.institutionId,
      user_id: learner.userId,
      course_id: courseId,
      percent: course.percent,
      lesson_count: course.lessonCount,
      completed_lessons: course.completedLessons,
      required_lessons: course.requiredLessons,
      completed_required_lessons: course.completedRequiredLessons,
      last_activity_at: course.lastActivityAt,
      completed_at: course.completedAt,
      updated_at: now,
    });
    if (course.completedAt && !previous?.completed_at) {
      completions.push({ courseId, completedAt: course.completedAt });
    }
  }
  return { rows, completions };
}

const sameTime = (stored: Date | null, computed: Date | null) =>
  stored === null || computed === null ? stored === computed : new Date(stored).getTime() === computed.getTime();

/** Whether the stored course row already holds everything the fold computed. */
function sameCourseProgress(stored: StoredCourseProgress, computed: CourseProgress): boolean {
  return (
    stored.percent === computed.percent &&
    stored.lesson_count === computed.lessonCount &&
    stored.completed_lessons === computed.completedLessons &&
    stored.required_lessons === computed.requiredLessons &&
    stored.completed_required_lessons === computed.completedRequiredLessons &&
    sameTime(stored.last_activity_at, computed.lastActivityAt) &&
    sameTime(stored.completed_at, computed.completedAt)
  );
}

/**
 * What a completion sets off, once (the course progress row went from not completed to completed under the
 * learner's progress lock): the live enrolment becomes `completed` (audited as a system action, no actor),
 * and the course-completed job is sent in this transaction with a singleton key per learner and course.
 */
async function recordCourseCompletion(
  trx: Database,
  learner: { institutionId: string; userId: string },
  completion: { courseId: string; completedAt: Date },
  services: ProjectionServices,
): Promise<void> {
  const enrolment = await completeEnrolment(trx, {
    userId: learner.userId,
    courseId: completion.courseId,
    completedAt: completion.completedAt,
    now: services.now,
  });
  if (enrolment) {
    await appendAuditEvent(trx, {
      institutionId: learner.institutionId,
      action: "enrolment.completed",
      actorUserId: null,
      targetType: "enrolment",
      targetId: enrolment.id,
      before: { status: "active" },
      after: { status: "completed", completedAt: completion.completedAt.toISOString(), by: "completion rules" },
    });
  }
  if (services.jobs) {
    await sendJobOnce(
      services.jobs,
      courseCompletedJob,
      {
        institutionId: learner.institutionId,
        userId: learner.userId,
        courseId: completion.courseId,
        completedAt: completion.completedAt.toISOString(),
      },
      { transaction: trx, singletonKey: `${learner.userId}:${completion.courseId}` },
    );
  }
}

/**
 * Rebuilds the projections of one course (every learner) or one learner (every course) from the event log:
 * lesson progress rows in scope are replaced by the fold of their events (rows with no event behind them
 * go), and every course progress row in scope is recomputed. Returns how many learners and lessons it
 * folded. Runs in the caller's tenant transaction.
 */
export async function rebuildProgress(
  trx: Database,
  institutionId: string,
  /** One course (`userIds`: only these of its learners), or one learner. */
  scope: { courseId: string; userIds?: readonly string[] } | { userId: string },
  services: ProjectionServices,
): Promise<{ learners: number; lessonProgressRows: number; courseProgressRows: number }> {
  // Learners in scope: those with events and those with projections (which may have to go).
  let learnerQuery = trx.selectFrom("lesson_progress").select("user_id").distinct();
  let courseProgressQuery = trx.selectFrom("course_progress").select(["user_id", "course_id"]);
  if ("courseId" in scope) {
    learnerQuery = learnerQuery.where("course_id", "=", scope.courseId);
    courseProgressQuery = courseProgressQuery.where("course_id", "=", scope.courseId);
    if (scope.userIds) {
      const userIds = [...scope.userIds, noUser];
      learnerQuery = learnerQuery.where("user_id", "in", userIds);
      courseProgressQuery = courseProgressQuery.where("user_id", "in", userIds);
    }
  } else {
    learnerQuery = learnerQuery.where("user_id", "=", scope.userId);
    courseProgressQuery = courseProgressQuery.where("user_id", "=", scope.userId);
  }
  const [events, projected, courseRows] = await Promise.all([
    loadEventsForRebuild(trx, scope),
    learnerQuery.execute(),
    courseProgressQuery.execute(),
  ]);
  const lessonCourses = new Map<string, string>();
  const eventCourses = await trx
    .selectFrom("lessons")
    .select(["id", "course_id"])
    .where("id", "in", [...new Set(events.map((event) => event.lesson_id)), "00000000-0000-0000-0000-000000000000"])
    .execute();
  for (const lesson of eventCourses) lessonCourses.set(lesson.id, lesson.course_id);

  const perLearner = new Map<string, Map<string, Set<string>>>();
  const courseSetOf = (userId: string) => {
    const courses = perLearner.get(userId) ?? new Map<string, Set<string>>();
    perLearner.set(userId, courses);
    return courses;
  };
  for (const row of projected) courseSetOf(row.user_id);
  for (const row of courseRows) {
    const courses = courseSetOf(row.user_id);
    if (!courses.has(row.course_id)) courses.set(row.course_id, new Set());
  }
  for (const event of events) {
    const courseId = lessonCourses.get(event.lesson_id);
    if (!courseId) continue;
    const courses = courseSetOf(event.user_id);
    courses.set(courseId, (courses.get(courseId) ?? new Set()).add(event.lesson_id));
  }

  let lessonProgressRows = 0;
  let courseProgressRows = 0;
  // Locks in a fixed order, so two rebuilds (or a rebuild and recordings) cannot deadlock.
  for (const userId of [...perLearner.keys()].toSorted()) {
    await lockLearnerProgress(trx, userId);
    const courses = perLearner.get(userId) ?? new Map<string, Set<string>>();
    let deletion = trx.deleteFrom("lesson_progress").where("user_id", "=", userId);
    if ("courseId" in scope) deletion = deletion.where("course_id", "=", scope.courseId);
    await deletion.execute();
    if ("courseId" in scope && !courses.has(scope.courseId)) courses.set(scope.courseId, new Set());
    await refreshLearnerProgress(trx, { institutionId, userId }, courses, services);
    lessonProgressRows += [...courses.values()].reduce((sum, lessons) => sum + lessons.size, 0);
    courseProgressRows += courses.size;
  }
  return { learners: perLearner.size, lessonProgressRows, courseProgressRows };
}

/**
 * Recomputes every learner's progress in one course from their stored lesson progress, after the course's
 * outline changed in a way no event did (a lesson or module added or removed, a module's prerequisites set):
 * percentages and counts follow the new outline, a completion recorded before stands, and one the change
 * makes (the last missing lesson removed) is recorded like any other. Lesson progress is not refolded: what
 * the events mean did not change. Runs in the caller's tenant transaction; returns how many learners it
 * recomputed.
 */
export async function refreshCourseProgress(
  trx: Database,
  institutionId: string,
  courseId: string,
  services: ProjectionServices,
  /** Only these of its learners (a page of `courseLearnerIds`); every learner with progress by default. */
  userIds?: readonly string[],
): Promise<{ learners: number }> {
  const learners = [
    ...(userIds ??
      (await courseLearnerIds(trx, { courseId, withEvents: false, after: null, limit: Number.MAX_SAFE_INTEGER }))),
  ];
  const structures = await loadCourseStructures(trx, [courseId]);
  const courses = new Map([[courseId, new Set<string>()]]);
  // Locks in a fixed order, as the rebuild takes them.
  learners.sort();
  for (const userId of learners) {
    await lockLearnerProgress(trx, userId);
    await refreshLearnerProgress(trx, { institutionId, userId }, courses, services, structures);
  }
  return { learners: learners.length };
}

/**
 * How a course's learners are brought up to date after a change no event made: `rebuild` refolds their
 * lesson progress from the log (completion rules, a lesson's kind or whether it is required), `refresh`
 * recomputes their course progress from their lesson progress (the outline).
 */
export type CourseRecompute = "rebuild" | "refresh";

/** Learners per transaction when the progress-recompute job works through a course. */
export const recomputeChunkLearners = 200;

/**
 * Recomputes a course's learners page by page (`courseLearnerIds`, in user id order), each page in a tenant
 * transaction of its own: the progress-recompute job's way through a large course, where one transaction
 * would hold every learner's progress lock, and so stall their recording, until the last is done. Each page
 * reads the course's outline and rules afresh. Returns how many learners, lesson rows and course rows it
 * recomputed.
 */
export async function recomputeCourseInChunks(
  db: Database,
  params: { institutionId: string; courseId: string; mode: CourseRecompute },
  services: { jobs?: PgBoss | undefined; now: () => Date },
  chunk = recomputeChunkLearners,
): Promise<{ learners: number; lessonProgressRows: number; courseProgressRows: number }> {
  const { institutionId, courseId, mode } = params;
  let after: string | null = null;
  const total = { learners: 0, lessonProgressRows: 0, courseProgressRows: 0 };
  for (;;) {
    const page: string[] = await withTenant(db, { institutionId }, async (trx) => {
      const userIds = await courseLearnerIds(trx, { courseId, withEvents: mode === "rebuild", after, limit: chunk });
      const pageServices = { now: services.now(), jobs: services.jobs };
      if (!userIds.length) return userIds;
      if (mode === "rebuild") {
        const rebuilt = await rebuildProgress(trx, institutionId, { courseId, userIds }, pageServices);
        total.lessonProgressRows += rebuilt.lessonProgressRows;
        total.courseProgressRows += rebuilt.courseProgressRows;
      } else {
        await refreshCourseProgress(trx, institutionId, courseId, pageServices, userIds);
        total.courseProgressRows += userIds.length;
      }
      return userIds;
    });
    total.learners += page.length;
    if (page.length < chunk) return total;
    after = page.at(-1) ?? null;
  }
}

/** Whether a progress-recompute job for the course waits or runs: its learners' figures are still coming. */
export async function courseRecomputePending(jobs: PgBoss, courseId: string): Promise<boolean> {
  const found = await jobs.findJobs(progressRecomputeJob.queue, { data: { courseId } });
  return found.some((job) => job.state === "created" || job.state === "retry" || job.state === "active");
}

/** Courses with at most this many learners are recomputed in the transaction of the change. */
export const inlineRecomputeLearners = 500;

/** What a course's recompute did: its figures when done at once, or the learners the job will go through. */
export type CourseRecomputed =
  | { inBackground: false; learners: number; lessonProgressRows: number; courseProgressRows: number }
  | { inBackground: true; learners: number };

/**
 * Brings a course's learners up to date after a change no event made, from the procedure that made it (in
 * its tenant transaction). A course with at most `ctx.inlineRecomputeLearners` learners is recomputed right
 * there: the change and its effect commit together. A larger one is left to the progress-recompute job, sent
 * in the same transaction and worked in pages (`recomputeCourseInChunks`), so the change answers at once and
 * no learner's recording waits on the whole course; until the job reaches a learner, their figures are the
 * ones from before. One job per course and mode waits at a time: a change made while one waits is covered.
 */
export async function recomputeCourseProgress(
  ctx: { db: Database; institutionId: string; jobs: PgBoss; now: () => Date; inlineRecomputeLearners: number },
  courseId: string,
  mode: CourseRecompute,
): Promise<CourseRecomputed> {
  const withEvents = mode === "rebuild";
  const found = await courseLearnerIds(ctx.db, { courseId, withEvents, after: null, limit: Number.MAX_SAFE_INTEGER });
  if (found.length > ctx.inlineRecomputeLearners) {
    await sendJobOnce(
      ctx.jobs,
      progressRecomputeJob,
      { institutionId: ctx.institutionId, courseId, mode },
      { transaction: ctx.db, singletonKey: `${courseId}:${mode}` },
    );
    return { inBackground: true, learners: found.length };
  }
  const services = { now: ctx.now(), jobs: ctx.jobs };
  if (mode === "rebuild") {
    return { inBackground: false, ...(await rebuildProgress(ctx.db, ctx.institutionId, { courseId }, services)) };
  }
  const { learners } = await refreshCourseProgress(ctx.db, ctx.institutionId, courseId, services, found);
  return { inBackground: false, learners, lessonProgressRows: 0, courseProgressRows: learners };
}
