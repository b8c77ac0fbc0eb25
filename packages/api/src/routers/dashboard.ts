import type { AccessDecision } from "@learnops/contracts/access";
import type { LessonKind } from "@learnops/contracts/catalogue";
import type { EnrolmentStatus, PaymentState } from "@learnops/contracts/enrolment";
import {
  type DashboardCourse,
  type DashboardSummary,
  dashboardSummaryInput,
  type LearnerDeadline,
  type LearnerLessonProgress,
  lessonProgressInput,
} from "@learnops/contracts/progress-reports";
import type { OutlineModule } from "@learnops/db/queries/catalogue";
import {
  courseAccessFactsOf,
  courseOutlines,
  type LearnerDeadlineRow,
  learnerDashboardEnrolments,
  learnerDeadlines,
  learnerLessonDetail,
  learnerLessonStates,
} from "@learnops/db/queries/progress-reports";
import { decideAccess } from "@learnops/domain/access";
import { decideOutlineAccess, toAccessFacts } from "../access-decisions.ts";
import { memberProcedure, notFound, router } from "../trpc.ts";

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
const DAY = 86_400_000;

function briefly(decision: AccessDecision) {
  return { allowed: decision.allowed, reason: decision.reason, denial: decision.denial, until: decision.until };
}

const noLongerOffered = (title: string) => ({
  allowed: false,
  reason: `${title} is no longer offered`,
  denial: "course_unavailable" as const,
  until: null,
});

/** Whether a deadline's module (every required lesson) or lesson is completed. */
function deadlineMet(row: LearnerDeadlineRow, outline: readonly OutlineModule[], completed: ReadonlySet<string>) {
  if (row.lesson_id) return completed.has(row.lesson_id);
  const module = outline.find((candidate) => candidate.id === row.module_id);
  return (module?.lessons ?? []).every((lesson) => !lesson.required || completed.has(lesson.id));
}

export const dashboardRouter = router({
  /**
   * The learner's home in one round trip: per course they are enrolled in, its progress, the next lesson that
   * opens, assignments not yet passed, deadlines coming or missed, and whether the course is completed (what
   * certificates will start from). Six statements whatever the number of courses: enrolments with their
   * projections, the access facts of every course at once, outlines (two), lesson states, deadlines.
   */
  summary: memberProcedure.input(dashboardSummaryInput).query(async ({ ctx, input }): Promise<DashboardSummary> => {
    const userId = ctx.session.user.id;
    const now = ctx.now();
    const enrolments = await learnerDashboardEnrolments(ctx.db, userId);
    const courseIds = enrolments.map((row) => row.course_id);
    const [facts, outlines, states, deadlines] = await Promise.all([
      courseAccessFactsOf(ctx.db, userId, courseIds, now),
      courseOutlines(ctx.db, courseIds),
      learnerLessonStates(ctx.db, userId, courseIds),
      learnerDeadlines(
        ctx.db,
        enrolments.filter((row) => row.cohort_id !== null).map((row) => row.id),
      ),
    ]);
    const completedIn = new Map<string, Set<string>>();
    const passedIn = new Set<string>();
    for (const state of states) {
      if (state.completed_at) {
        completedIn.set(state.course_id, (completedIn.get(state.course_id) ?? new Set()).add(state.lesson_id));
      }
      if (state.assignment_passed_at) passedIn.add(state.lesson_id);
    }
    const horizon = now.getTime() + input.deadlineDays * DAY;

    const courses = enrolments.map((row): DashboardCourse => {
      const outline = outlines.get(row.course_id) ?? [];
      const completed = completedIn.get(row.course_id) ?? new Set<string>();
      const courseFacts = facts.get(row.course_id);
      const clientGroupId = ctx.membership.client_group_id;
      const courseAccess = courseFacts
        ? briefly(decideAccess(toAccessFacts(courseFacts, clientGroupId), now))
        : noLongerOffered(row.course_title);
      const lessonAccess = courseFacts
        ? decideOutlineAccess(courseFacts, outline, { clientGroupId, completedLessonIds: completed }, now)
        : new Map<string, AccessDecision>();
      const lessons = outline.flatMap((module) => module.lessons);
      const next = lessons.find((lesson) => !completed.has(lesson.id) && lessonAccess.get(lesson.id)?.allowed);
      const nextDecision = next ? lessonAccess.get(next.id) : undefined;

      const courseDeadlines = deadlines.filter((deadline) => deadline.enrolment_id === row.id);
      const dueOf = new Map(
        courseDeadlines.flatMap((deadline) =>
          deadline.lesson_id ? [[deadline.lesson_id, deadline.extended_due_at ?? deadline.cohort_due_at] as const] : [],
        ),
      );
      const shown: LearnerDeadline[] = courseDeadlines.flatMap((deadline) => {
        const due = new Date(deadline.extended_due_at ?? deadline.cohort_due_at);
        if (deadlineMet(deadline, outline, completed) || due.getTime() > horizon) return [];
        return [
          {
            deadlineId: deadline.id,
            target: deadline.lesson_id ? "lesson" : "module",
            targetId: deadline.lesson_id ?? deadline.module_id ?? "",
            title: deadline.title,
            dueAt: due.toISOString(),
            cohortDueAt: new Date(deadline.cohort_due_at).toISOString(),
            extended: deadline.extended_due_at !== null,
            overdue: due.getTime() < now.getTime(),
          },
        ];
      });

      const courseCompleted = row.completed_at !== null || row.status === "completed";
      return {
        enrolmentId: row.id,
        course: { id: row.course_id, code: row.course_code, title: row.course_title },
        cohort: row.cohort_id && row.cohort_name ? { id: row.cohort_id, name: row.cohort_name } : null,
        status: row.status as EnrolmentStatus,
        paymentState: row.payment_state as PaymentState,
        access: courseAccess,
        progress: {
          percent: row.percent ?? (row.status === "completed" ? 100 : 0),
          completedLessons: row.completed_lessons ?? 0,
          totalLessons: row.lesson_count,
          completedAt: iso(row.completed_at),
          lastActivityAt: iso(row.last_activity_at),
        },
        nextLesson:
          next && nextDecision && !courseCompleted
            ? {
                id: next.id,
                moduleId: next.module_id,
                title: next.title,
                kind: next.kind as LessonKind,
                access: briefly(nextDecision),
              }
            : null,
        pendingAssignments: lessons
          .filter((lesson) => lesson.kind === "assignment" && !passedIn.has(lesson.id))
          .map((lesson) => ({ lessonId: lesson.id, title: lesson.title, dueAt: iso(dueOf.get(lesson.id) ?? null) })),
        deadlines: shown,
        certificateEligibility: courseCompleted ? "eligible" : "not_eligible",
      };
    });
    return { courses, deadlineDays: input.deadlineDays };
  }),

  /** The signed-in learner's progress in one lesson: completion, best quiz score and attempts. */
  lesson: memberProcedure.input(lessonProgressInput).query(async ({ ctx, input }): Promise<LearnerLessonProgress> => {
    const lesson = await ctx.db.selectFrom("lessons").select("id").where("id", "=", input.lessonId).executeTakeFirst();
    if (!lesson) throw notFound("Lesson");
    const row = await learnerLessonDetail(ctx.db, ctx.session.user.id, input.lessonId);
    return {
      lessonId: input.lessonId,
      completedAt: iso(row?.completed_at ?? null),
      bestScorePercent: row?.best_score_percent ?? null,
      quizAttempts: row?.quiz_attempts ?? 0,
      assignmentPassedAt: iso(row?.assignment_passed_at ?? null),
      watchedFraction: row?.watched_fraction ?? null,
    };
  }),
});
