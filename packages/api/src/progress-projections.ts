import type { LessonKind } from "@learnops/contracts/catalogue";
import { type CompletionRules, completionRules } from "@learnops/contracts/progress";
import type { Database } from "@learnops/db/client";
import { appendAuditEvent } from "@learnops/db/queries/audit";
import {
  type CourseProgressRow,
  type CourseStructureRow,
  completeEnrolment,
  type LearnerCourseState,
  type LessonProgressRow,
  type LoggedEventRow,
  loadCourseStructures,
  loadEventsForRebuild,
  loadLearnerLessonEvents,
  lockLearnerProgress,
  writeCourseProgress,
  writeLessonProgressAndRead,
} from "@learnops/db/queries/progress";
import {
  type CourseStructure,
  evaluateCourseProgress,
  foldLessonProgress,
  type LoggedProgressEvent,
} from "@learnops/domain/progress";
import { courseCompletedJob } from "@learnops/jobs/queues";
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

function toLoggedEvent(row: LoggedEventRow): LoggedProgressEvent {
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
): Promise<void> {
  const courseIds = [...lessonsByCourse.keys()];
  const lessonIds = [...lessonsByCourse.values()].flatMap((lessons) => [...lessons]);
  const [events, structures] = await Promise.all([
    loadLearnerLessonEvents(trx, learner.userId, lessonIds),
    loaded && courseIds.every((id) => loaded.has(id)) ? loaded : loadCourseStructures(trx, courseIds),
  ]);
  const eventsByLesson = new Map<string, LoggedProgressEvent[]>();
  for (const row of events) {
    eventsByLesson.set(row.lesson_id, [...(eventsByLesson.get(row.lesson_id) ?? []), toLoggedEvent(row)]);
  }
  const lessonRows: LessonProgressRow[] = [];
  for (const [courseId, lessons] of lessonsByCourse) {
    const structure = structures.get(courseId);
    if (!structure) continue;
    const rules = completionRulesOf(structure.settings);
    for (const lesson of structure.lessons) {
      if (!lessons.has(lesson.id)) continue;
      const lessonEvents = eventsByLesson.get(lesson.id) ?? [];
      if (!lessonEvents.length) continue;
      const progress = foldLessonProgress({ id: lesson.id, kind: lesson.kind as LessonKind }, lessonEvents, rules);
      lessonRows.push({
        institution_id: learner.institutionId,
        user_id: learner.userId,
        course_id: courseId,
        lesson_id: lesson.id,
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
        updated_at: services.now,
      });
    }
  }
  const state = await writeLessonProgressAndRead(trx, learner.userId, courseIds, lessonRows);
  await refreshCourseProgress(trx, learner, courseIds, structures, state, services);
}

/** Recomputes the learner's course progress rows from their lesson progress, and records new completions. */
async function refreshCourseProgress(
  trx: Database,
  learner: { institutionId: string; userId: string },
  courseIds: readonly string[],
  structures: ReadonlyMap<string, CourseStructureRow>,
  state: LearnerCourseState,
  services: ProjectionServices,
): Promise<void> {
  const { lessons: lessonProgress, courses: before } = state;
  const completedBefore = new Map(before.map((row) => [row.course_id, row.completed_at]));
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
    const course = evaluateCourseProgress(
      toCourseStructure(structure),
      progress,
      completionRulesOf(structure.settings),
    );
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
      updated_at: services.now,
    });
    if (course.completedAt && !completedBefore.get(courseId)) {
      completions.push({ courseId, completedAt: course.completedAt });
    }
  }
  await writeCourseProgress(trx, rows);
  for (const completion of completions) await recordCourseCompletion(trx, learner, completion, services);
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
  scope: { courseId: string } | { userId: string },
  services: ProjectionServices,
): Promise<{ learners: number; lessonProgressRows: number; courseProgressRows: number }> {
  // Learners in scope: those with events and those with projections (which may have to go).
  let learnerQuery = trx.selectFrom("lesson_progress").select("user_id").distinct();
  let courseProgressQuery = trx.selectFrom("course_progress").select(["user_id", "course_id"]);
  if ("courseId" in scope) {
    learnerQuery = learnerQuery.where("course_id", "=", scope.courseId);
    courseProgressQuery = courseProgressQuery.where("course_id", "=", scope.courseId);
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
