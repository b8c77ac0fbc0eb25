import {
  type CourseProgressView,
  completionRules,
  courseProgressInput,
  type ProgressEventInput,
  type ProgressItemResult,
  progressEventInput,
  rebuildProgressInput,
  recordManyProgressInput,
  recordProgressInput,
  setCompletionRulesInput,
} from "@learnops/contracts/progress";
import { loadCourseStructures } from "@learnops/db/queries/progress";
import { completionRuleProblems } from "@learnops/domain/progress";
import { TRPCError } from "@trpc/server";
import { recordAction } from "../audit-trail.ts";
import {
  type CourseRecomputed,
  completionRulesOf,
  rebuildProgress,
  recomputeCourseProgress,
  toCourseStructure,
} from "../progress-projections.ts";
import { recordProgressEvents } from "../progress-recording.ts";
import { memberProcedure, memberStatementProcedure, notFound, permittedProcedure, router } from "../trpc.ts";

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

function learnerOf(ctx: {
  institutionId: string;
  session: { user: { id: string } };
  membership: { client_group_id: string | null };
}) {
  return {
    institutionId: ctx.institutionId,
    userId: ctx.session.user.id,
    clientGroupId: ctx.membership.client_group_id,
  };
}

export const progressRouter = router({
  /** One event of the signed-in learner's own progress; the answer says whether it was recorded. */
  record: memberStatementProcedure.input(recordProgressInput).mutation(async ({ ctx, input }) => {
    // No transaction here: recording takes one statement in the common case, a transaction of its own otherwise.
    const report = { accessChanged: false };
    const [result] = await recordProgressEvents(ctx.db, learnerOf(ctx), [input], "portal", ctx.now(), {
      jobs: ctx.jobs,
      accessCache: ctx.accessCache,
      report,
    });
    if (!result) throw new Error("recording gave no result for its one event");
    // Nothing announced (no completion changed): the HTTP layer need not wait for the cache to settle.
    if (!report.accessChanged) ctx.accessChanges.quietMutations += 1;
    return result;
  }),

  /**
   * Up to 500 events at once (offline or flaky clients). Each is checked on its own: a malformed one is
   * `rejected` as `invalid_event` with its field issues, and never costs the good ones their place.
   */
  recordMany: memberStatementProcedure.input(recordManyProgressInput).mutation(async ({ ctx, input }) => {
    const results: (ProgressItemResult | undefined)[] = new Array(input.events.length);
    const valid: { index: number; event: ProgressEventInput }[] = [];
    input.events.forEach((raw, index) => {
      const parsed = progressEventInput.safeParse(raw);
      if (parsed.success) {
        valid.push({ index, event: parsed.data });
      } else {
        const reason = parsed.error.issues
          .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
          .join("; ");
        results[index] = { index, status: "rejected", code: "invalid_event", reason };
      }
    });
    const report = { accessChanged: false };
    const recorded = await recordProgressEvents(
      ctx.db,
      learnerOf(ctx),
      valid.map((item) => item.event),
      "portal",
      ctx.now(),
      { jobs: ctx.jobs, accessCache: ctx.accessCache, report },
    );
    if (!report.accessChanged) ctx.accessChanges.quietMutations += 1;
    recorded.forEach((result, position) => {
      const index = valid[position]?.index ?? position;
      results[index] = { ...result, index };
    });
    return { results: results as ProgressItemResult[] };
  }),

  /** The signed-in learner's progress in one course: its projection, lesson by lesson. */
  course: memberProcedure.input(courseProgressInput).query(async ({ ctx, input }): Promise<CourseProgressView> => {
    const userId = ctx.session.user.id;
    const [course, lessons] = await Promise.all([
      ctx.db
        .selectFrom("course_progress")
        .selectAll()
        .where("user_id", "=", userId)
        .where("course_id", "=", input.courseId)
        .executeTakeFirst(),
      ctx.db
        .selectFrom("lesson_progress")
        .select([
          "lesson_id",
          "started_at",
          "completed_at",
          "watched_fraction",
          "best_score_percent",
          "live_minutes",
          "last_activity_at",
        ])
        .where("user_id", "=", userId)
        .where("course_id", "=", input.courseId)
        .execute(),
    ]);
    const exists = await ctx.db.selectFrom("courses").select("id").where("id", "=", input.courseId).executeTakeFirst();
    if (!exists) throw notFound("Course");
    return {
      courseId: input.courseId,
      percent: course?.percent ?? 0,
      completedLessons: course?.completed_lessons ?? 0,
      requiredLessons: course?.required_lessons ?? 0,
      completedRequiredLessons: course?.completed_required_lessons ?? 0,
      lastActivityAt: iso(course?.last_activity_at ?? null),
      completedAt: iso(course?.completed_at ?? null),
      lessons: lessons.map((lesson) => ({
        lessonId: lesson.lesson_id,
        startedAt: iso(lesson.started_at),
        completedAt: iso(lesson.completed_at),
        watchedFraction: lesson.watched_fraction,
        bestScorePercent: lesson.best_score_percent,
        liveMinutes: lesson.live_minutes,
        lastActivityAt: iso(lesson.last_activity_at),
      })),
    };
  }),

  /** A course's completion rules as saved (defaults filled in), for its editors. */
  completionRules: permittedProcedure("courses.manage")
    .input(courseProgressInput)
    .query(async ({ ctx, input }) => {
      const course = await ctx.db
        .selectFrom("courses")
        .select("settings")
        .where("id", "=", input.courseId)
        .executeTakeFirst();
      if (!course) throw notFound("Course");
      return completionRulesOf(course.settings);
    }),

  /**
   * Sets a course's completion rules (kept in `courses.settings.completion`) and rebuilds its learners'
   * progress under them: in the same transaction, or for a large course by the progress-recompute job
   * (`recomputed.inBackground`; see `recomputeCourseProgress`). Rules naming a lesson of another course, or a quiz minimum for a
   * lesson that is not a quiz, are refused with BAD_REQUEST naming the lesson.
   */
  setCompletionRules: permittedProcedure("courses.manage")
    .input(setCompletionRulesInput)
    .mutation(async ({ ctx, input }) => {
      const structure = (await loadCourseStructures(ctx.db, [input.courseId])).get(input.courseId);
      if (!structure) throw notFound("Course");
      const rules = completionRules.parse(input.rules);
      const problems = completionRuleProblems(toCourseStructure(structure), rules);
      if (problems.length) {
        const words = { lesson_not_in_course: "is not a lesson of this course", not_a_quiz_lesson: "is not a quiz" };
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `rules.quizMinimumPercent: ${problems.map((p) => `${p.lessonId} ${words[p.problem]}`).join("; ")}`,
        });
      }
      const before = completionRulesOf(structure.settings);
      const settings = {
        ...(structure.settings && typeof structure.settings === "object" ? structure.settings : {}),
        completion: rules,
      };
      await ctx.db
        .updateTable("courses")
        .set({ settings: JSON.stringify(settings), updated_at: ctx.now() })
        .where("id", "=", input.courseId)
        .execute();
      await recordAction(ctx, {
        action: "course.completion_rules_set",
        targetType: "course",
        targetId: input.courseId,
        before,
        after: rules,
      });
      const recomputed = await recomputeCourseProgress(ctx, input.courseId, "rebuild");
      return { rules, recomputed };
    }),

  /**
   * Rebuilds the progress projections of one course or one learner from the event log (audited). A course
   * beyond `ctx.inlineRecomputeLearners` learners is rebuilt by the progress-recompute job, page by page, as
   * after a change of its rules (`inBackground`); a learner's courses are rebuilt at once.
   */
  rebuild: permittedProcedure("courses.manage")
    .input(rebuildProgressInput)
    .mutation(async ({ ctx, input }): Promise<CourseRecomputed> => {
      let rebuilt: CourseRecomputed;
      if ("courseId" in input) {
        const course = await ctx.db
          .selectFrom("courses")
          .select("id")
          .where("id", "=", input.courseId)
          .executeTakeFirst();
        if (!course) throw notFound("Course");
        rebuilt = await recomputeCourseProgress(ctx, input.courseId, "rebuild");
      } else {
        const member = await ctx.db
          .selectFrom("memberships")
          .select("id")
          .where("user_id", "=", input.userId)
          .where("institution_id", "=", ctx.institutionId)
          .executeTakeFirst();
        if (!member) throw notFound("Learner");
        const services = { now: ctx.now(), jobs: ctx.jobs };
        rebuilt = { inBackground: false, ...(await rebuildProgress(ctx.db, ctx.institutionId, input, services)) };
      }
      await recordAction(ctx, {
        action: "progress.rebuilt",
        targetType: "courseId" in input ? "course" : "user",
        targetId: "courseId" in input ? input.courseId : input.userId,
        after: rebuilt,
      });
      return rebuilt;
    }),
});
