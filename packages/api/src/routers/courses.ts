import type { AccessDecision } from "@learnops/contracts/access";
import type { Role } from "@learnops/contracts/auth";
import {
  addLessonInput,
  addModuleInput,
  type CourseSummary,
  courseIdInput,
  createCourseInput,
  lessonIdInput,
  listCoursesInput,
  moduleIdInput,
  setPrerequisitesInput,
  updateCourseInput,
  updateLessonInput,
  updateModuleInput,
} from "@learnops/contracts/catalogue";
import type { Database } from "@learnops/db/client";
import { loadAccessFacts } from "@learnops/db/queries/access";
import {
  type CourseRow,
  completedLessonIds,
  courseOutline,
  findCourse,
  listCourses,
  type OutlineModule,
} from "@learnops/db/queries/catalogue";
import { hasPermission } from "@learnops/domain/permissions";
import { TRPCError } from "@trpc/server";
import { decideOutlineAccess } from "../access-decisions.ts";
import { recordAction } from "../audit-trail.ts";
import { courseRecomputePending, recomputeCourseProgress } from "../progress-projections.ts";
import { memberProcedure, notFound, permittedProcedure, router } from "../trpc.ts";

function toCourseSummary(row: CourseRow): CourseSummary {
  return {
    id: row.id,
    code: row.code,
    title: row.title,
    summary: row.summary,
    status: row.status as CourseSummary["status"],
    price:
      row.price_cents !== null && row.currency !== null ? { cents: row.price_cents, currency: row.currency } : null,
    accessDays: row.access_days,
    moduleCount: Number(row.module_count ?? 0),
    lessonCount: Number(row.lesson_count ?? 0),
  };
}

function toModules(outline: readonly OutlineModule[], access?: Map<string, AccessDecision>) {
  return outline.map((module) => ({
    id: module.id,
    position: module.position,
    title: module.title,
    prerequisiteModuleIds: module.prerequisite_module_ids,
    lessons: module.lessons.map((lesson) => {
      const decision = access?.get(lesson.id);
      // A lesson the learner may not open keeps its content address to itself.
      const open = !access || decision?.allowed === true;
      return {
        id: lesson.id,
        moduleId: lesson.module_id,
        position: lesson.position,
        title: lesson.title,
        kind: lesson.kind,
        content: open
          ? { url: lesson.content_url, provider: lesson.content_provider, externalId: lesson.content_external_id }
          : null,
        xapiActivityId: open ? lesson.xapi_activity_id : null,
        durationMinutes: lesson.duration_minutes,
        required: lesson.required,
        prerequisiteLessonIds: lesson.prerequisite_lesson_ids,
        access: decision ? { allowed: decision.allowed, reason: decision.reason, denial: decision.denial } : null,
      };
    }),
  }));
}

/** The course, or NOT_FOUND; people who cannot manage courses see published ones only. */
async function visibleCourse(db: Database, courseId: string, role: Role) {
  const course = await findCourse(db, courseId);
  if (!course) throw notFound("Course");
  if (course.status !== "published" && !hasPermission(role, "courses.manage")) throw notFound("Course");
  return course;
}

async function moduleOf(db: Database, moduleId: string) {
  const module = await db
    .selectFrom("modules")
    .select(["id", "course_id", "title", "position"])
    .where("id", "=", moduleId)
    .executeTakeFirst();
  if (!module) throw notFound("Module");
  return module;
}

async function lessonOf(db: Database, lessonId: string) {
  const lesson = await db
    .selectFrom("lessons")
    .select(["id", "course_id", "module_id", "title", "kind", "required", "position", "xapi_activity_id"])
    .where("id", "=", lessonId)
    .executeTakeFirst();
  if (!lesson) throw notFound("Lesson");
  return lesson;
}

async function nextPosition(db: Database, table: "modules" | "lessons", column: "course_id" | "module_id", id: string) {
  const { max } = await db
    .selectFrom(table)
    .select((eb) => eb.fn.max<number | null>("position").as("max"))
    .where(column, "=", id)
    .executeTakeFirstOrThrow();
  return max === null ? 0 : max + 1;
}

/** A second lesson with the same xAPI activity id would leave statements about it without one lesson to go to. */
function activityIdTaken(activityId: string | null | undefined) {
  return (error: unknown): never => {
    if (typeof error === "object" && error !== null && "constraint" in error) {
      if (error.constraint === "lessons_xapi_activity_id_key") {
        throw new TRPCError({
          code: "CONFLICT",
          message: `Another lesson already uses the xAPI activity id ${activityId}; each lesson needs its own`,
        });
      }
    }
    throw error;
  };
}

/** Marks the course changed, so lists sorted by recency and caches keyed on it see the edit. */
async function touchCourse(db: Database, courseId: string, now: Date) {
  await db.updateTable("courses").set({ updated_at: now }).where("id", "=", courseId).execute();
}

export const coursesRouter = router({
  /** The learner's catalogue: the institution's published courses. */
  catalogue: memberProcedure
    .input(listCoursesInput.pick({ search: true }))
    .query(async ({ ctx, input }) =>
      (await listCourses(ctx.db, { status: "published", search: input.search })).map(toCourseSummary),
    ),

  /**
   * One course as the signed-in person sees it: modules, lessons, and for each lesson whether it opens for
   * them and why not. Content addresses are given only for lessons that open.
   */
  outline: memberProcedure.input(courseIdInput).query(async ({ ctx, input }) => {
    const course = await visibleCourse(ctx.db, input.courseId, ctx.membership.role as Role);
    const userId = ctx.session.user.id;
    const now = ctx.now();
    const [outline, facts, completed] = await Promise.all([
      courseOutline(ctx.db, course.id),
      loadAccessFacts(ctx.db, { userId, courseId: course.id }, now),
      completedLessonIds(ctx.db, userId, course.id),
    ]);
    if (!facts) throw notFound("Course");
    const access = decideOutlineAccess(
      facts,
      outline,
      { clientGroupId: ctx.membership.client_group_id, completedLessonIds: completed },
      now,
    );
    return {
      ...toCourseSummary(course),
      modules: toModules(outline, access),
      completedLessonIds: [...completed],
    };
  }),

  /** Every course of the institution, in any status, for the people who build them. */
  list: permittedProcedure("courses.manage")
    .input(listCoursesInput)
    .query(async ({ ctx, input }) => (await listCourses(ctx.db, input)).map(toCourseSummary)),

  /** A course's structure for its editors: every lesson with its content reference. */
  structure: permittedProcedure("courses.manage")
    .input(courseIdInput)
    .query(async ({ ctx, input }) => {
      const course = await findCourse(ctx.db, input.courseId);
      if (!course) throw notFound("Course");
      const [outline, progressRecomputing] = await Promise.all([
        courseOutline(ctx.db, course.id),
        courseRecomputePending(ctx.jobs, course.id),
      ]);
      return { ...toCourseSummary(course), modules: toModules(outline), progressRecomputing };
    }),

  create: permittedProcedure("courses.manage")
    .input(createCourseInput)
    .mutation(async ({ ctx, input }) => {
      const created = await ctx.db
        .insertInto("courses")
        .values({
          institution_id: ctx.institutionId,
          code: input.code,
          title: input.title,
          summary: input.summary,
          price_cents: input.price?.cents ?? null,
          currency: input.price?.currency ?? null,
          access_days: input.accessDays,
        })
        .onConflict((oc) => oc.columns(["institution_id", "code"]).doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!created)
        throw new TRPCError({ code: "CONFLICT", message: `A course with the code "${input.code}" exists already` });
      await recordAction(ctx, { action: "course.created", targetType: "course", targetId: created.id, after: input });
      return { id: created.id };
    }),

  update: permittedProcedure("courses.manage")
    .input(updateCourseInput)
    .mutation(async ({ ctx, input }) => {
      const course = await findCourse(ctx.db, input.courseId);
      if (!course) throw notFound("Course");
      if (input.status === "published") {
        const lessons = Number(course.lesson_count ?? 0);
        if (lessons === 0) {
          throw new TRPCError({
            code: "BAD_REQUEST",
            message: "status: add at least one lesson before publishing the course",
          });
        }
      }
      const changes = {
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.summary !== undefined ? { summary: input.summary } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...(input.price !== undefined
          ? { price_cents: input.price?.cents ?? null, currency: input.price?.currency ?? null }
          : {}),
        ...(input.accessDays !== undefined ? { access_days: input.accessDays } : {}),
      };
      await ctx.db
        .updateTable("courses")
        .set({ ...changes, updated_at: ctx.now() })
        .where("id", "=", course.id)
        .execute();
      await recordAction(ctx, {
        action: input.status && input.status !== course.status ? `course.${input.status}` : "course.updated",
        targetType: "course",
        targetId: course.id,
        before: {
          title: course.title,
          summary: course.summary,
          status: course.status,
          price_cents: course.price_cents,
          currency: course.currency,
          access_days: course.access_days,
        },
        after: changes,
      });
      return { id: course.id };
    }),

  addModule: permittedProcedure("courses.manage")
    .input(addModuleInput)
    .mutation(async ({ ctx, input }) => {
      const course = await findCourse(ctx.db, input.courseId);
      if (!course) throw notFound("Course");
      const position = input.position ?? (await nextPosition(ctx.db, "modules", "course_id", course.id));
      const created = await ctx.db
        .insertInto("modules")
        .values({ institution_id: ctx.institutionId, course_id: course.id, title: input.title, position })
        .returning("id")
        .executeTakeFirstOrThrow();
      await touchCourse(ctx.db, course.id, ctx.now());
      await recordAction(ctx, {
        action: "course.module_added",
        targetType: "module",
        targetId: created.id,
        after: { courseId: course.id, title: input.title, position },
      });
      return { id: created.id };
    }),

  updateModule: permittedProcedure("courses.manage")
    .input(updateModuleInput)
    .mutation(async ({ ctx, input }) => {
      const module = await moduleOf(ctx.db, input.moduleId);
      const changes = {
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.position !== undefined ? { position: input.position } : {}),
      };
      if (Object.keys(changes).length) {
        await ctx.db.updateTable("modules").set(changes).where("id", "=", module.id).execute();
        await touchCourse(ctx.db, module.course_id, ctx.now());
      }
      await recordAction(ctx, {
        action: "course.module_updated",
        targetType: "module",
        targetId: module.id,
        before: { title: module.title, position: module.position },
        after: changes,
      });
      return { id: module.id };
    }),

  /** Removes a module and its lessons; refused once a learner has progress in one of them. */
  removeModule: permittedProcedure("courses.manage")
    .input(moduleIdInput)
    .mutation(async ({ ctx, input }) => {
      const module = await moduleOf(ctx.db, input.moduleId);
      const progress = await ctx.db
        .selectFrom("lesson_progress")
        .innerJoin("lessons", "lessons.id", "lesson_progress.lesson_id")
        .select("lesson_progress.lesson_id")
        .where("lessons.module_id", "=", module.id)
        .limit(1)
        .executeTakeFirst();
      if (progress) {
        throw new TRPCError({
          code: "CONFLICT",
          message: `Learners have progress in "${module.title}"; archive the course instead of removing the module`,
        });
      }
      await ctx.db.deleteFrom("modules").where("id", "=", module.id).execute();
      await touchCourse(ctx.db, module.course_id, ctx.now());
      await recomputeCourseProgress(ctx, module.course_id, "refresh");
      await recordAction(ctx, {
        action: "course.module_removed",
        targetType: "module",
        targetId: module.id,
        before: { courseId: module.course_id, title: module.title },
      });
      return { removed: true };
    }),

  addLesson: permittedProcedure("courses.manage")
    .input(addLessonInput)
    .mutation(async ({ ctx, input }) => {
      const module = await moduleOf(ctx.db, input.moduleId);
      const position = input.position ?? (await nextPosition(ctx.db, "lessons", "module_id", module.id));
      const created = await ctx.db
        .insertInto("lessons")
        .values({
          institution_id: ctx.institutionId,
          course_id: module.course_id,
          module_id: module.id,
          position,
          title: input.title,
          kind: input.kind,
          content_url: input.content.url,
          content_provider: input.content.provider,
          content_external_id: input.content.externalId,
          xapi_activity_id: input.xapiActivityId,
          duration_minutes: input.durationMinutes,
          required: input.required,
        })
        .returning("id")
        .executeTakeFirstOrThrow()
        .catch(activityIdTaken(input.xapiActivityId));
      await touchCourse(ctx.db, module.course_id, ctx.now());
      // Learners' course percentages count the new lesson now, not at their next event.
      await recomputeCourseProgress(ctx, module.course_id, "refresh");
      await recordAction(ctx, {
        action: "course.lesson_added",
        targetType: "lesson",
        targetId: created.id,
        after: {
          moduleId: module.id,
          title: input.title,
          kind: input.kind,
          content: input.content,
          xapiActivityId: input.xapiActivityId,
        },
      });
      return { id: created.id };
    }),

  updateLesson: permittedProcedure("courses.manage")
    .input(updateLessonInput)
    .mutation(async ({ ctx, input }) => {
      const lesson = await lessonOf(ctx.db, input.lessonId);
      const changes = {
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.kind !== undefined ? { kind: input.kind } : {}),
        ...(input.content !== undefined
          ? {
              content_url: input.content.url,
              content_provider: input.content.provider,
              content_external_id: input.content.externalId,
            }
          : {}),
        ...(input.xapiActivityId !== undefined ? { xapi_activity_id: input.xapiActivityId } : {}),
        ...(input.durationMinutes !== undefined ? { duration_minutes: input.durationMinutes } : {}),
        ...(input.required !== undefined ? { required: input.required } : {}),
        ...(input.position !== undefined ? { position: input.position } : {}),
      };
      if (Object.keys(changes).length) {
        await ctx.db
          .updateTable("lessons")
          .set(changes)
          .where("id", "=", lesson.id)
          .execute()
          .catch(activityIdTaken(input.xapiActivityId));
        await touchCourse(ctx.db, lesson.course_id, ctx.now());
      }
      // What a lesson's progress means (its kind) or whether it counts for the course (required) changed:
      // the projections are folded again from the log, as when the rules change (recomputeCourseProgress).
      const refold =
        (input.kind !== undefined && input.kind !== lesson.kind) ||
        (input.required !== undefined && input.required !== lesson.required);
      if (refold) {
        await recomputeCourseProgress(ctx, lesson.course_id, "rebuild");
      }
      await recordAction(ctx, {
        action: "course.lesson_updated",
        targetType: "lesson",
        targetId: lesson.id,
        before: {
          title: lesson.title,
          kind: lesson.kind,
          required: lesson.required,
          position: lesson.position,
          xapiActivityId: lesson.xapi_activity_id,
        },
        after: changes,
      });
      return { id: lesson.id };
    }),

  removeLesson: permittedProcedure("courses.manage")
    .input(lessonIdInput)
    .mutation(async ({ ctx, input }) => {
      const lesson = await lessonOf(ctx.db, input.lessonId);
      const progress = await ctx.db
        .selectFrom("lesson_progress")
        .select("lesson_id")
        .where("lesson_id", "=", lesson.id)
        .limit(1)
        .executeTakeFirst();
      if (progress) {
        throw new TRPCError({
          code: "CONFLICT",
          message: `Learners have progress in "${lesson.title}"; mark it optional instead of removing it`,
        });
      }
      await ctx.db.deleteFrom("lessons").where("id", "=", lesson.id).execute();
      await touchCourse(ctx.db, lesson.course_id, ctx.now());
      await recomputeCourseProgress(ctx, lesson.course_id, "refresh");
      await recordAction(ctx, {
        action: "course.lesson_removed",
        targetType: "lesson",
        targetId: lesson.id,
        before: { courseId: lesson.course_id, moduleId: lesson.module_id, title: lesson.title },
      });
      return { removed: true };
    }),

  /**
   * Replaces what must be completed before a lesson or module opens. The prerequisites must be in the same
   * course, and may not form a cycle (a lesson that waits on itself would never open).
   */
  setPrerequisites: permittedProcedure("courses.manage")
    .input(setPrerequisitesInput)
    .mutation(async ({ ctx, input }) => {
      const target = input.of === "lesson" ? await lessonOf(ctx.db, input.id) : await moduleOf(ctx.db, input.id);
      const requiredIds = [...new Set(input.requiredIds)];
      if (requiredIds.includes(target.id)) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `requiredIds: a ${input.of} cannot be its own prerequisite`,
        });
      }
      const table = input.of === "lesson" ? "lessons" : "modules";
      const found = requiredIds.length
        ? await ctx.db
            .selectFrom(table)
            .select("id")
            .where("id", "in", requiredIds)
            .where("course_id", "=", target.course_id)
            .execute()
        : [];
      const missing = requiredIds.filter((id) => !found.some((row) => row.id === id));
      if (missing.length) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `requiredIds: not ${input.of}s of this course: ${missing.join(", ")}`,
        });
      }
      const outline = await courseOutline(ctx.db, target.course_id);
      const edges = new Map<string, string[]>(
        input.of === "lesson"
          ? outline.flatMap((m) => m.lessons).map((l) => [l.id, l.prerequisite_lesson_ids])
          : outline.map((m) => [m.id, m.prerequisite_module_ids]),
      );
      const before = edges.get(target.id) ?? [];
      edges.set(target.id, requiredIds);
      if (reaches(edges, requiredIds, target.id)) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `requiredIds: this would make a cycle: a prerequisite already waits on this ${input.of}`,
        });
      }

      if (input.of === "lesson") {
        await ctx.db.deleteFrom("lesson_prerequisites").where("lesson_id", "=", target.id).execute();
        if (requiredIds.length) {
          await ctx.db
            .insertInto("lesson_prerequisites")
            .values(
              requiredIds.map((id) => ({
                institution_id: ctx.institutionId,
                course_id: target.course_id,
                lesson_id: target.id,
                required_lesson_id: id,
              })),
            )
            .execute();
        }
      } else {
        await ctx.db.deleteFrom("module_prerequisites").where("module_id", "=", target.id).execute();
        if (requiredIds.length) {
          await ctx.db
            .insertInto("module_prerequisites")
            .values(
              requiredIds.map((id) => ({
                institution_id: ctx.institutionId,
                course_id: target.course_id,
                module_id: target.id,
                required_module_id: id,
              })),
            )
            .execute();
        }
      }
      await touchCourse(ctx.db, target.course_id, ctx.now());
      // A module's prerequisites gate when its lessons count towards the course (lessons' own do not).
      if (input.of === "module") {
        await recomputeCourseProgress(ctx, target.course_id, "refresh");
      }
      await recordAction(ctx, {
        action: "course.prerequisites_set",
        targetType: input.of,
        targetId: target.id,
        before: { requiredIds: before },
        after: { requiredIds },
      });
      return { requiredIds };
    }),
});

/** Whether walking prerequisites from `from` reaches `target`. */
function reaches(edges: ReadonlyMap<string, readonly string[]>, from: readonly string[], target: string): boolean {
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length) {
    const id = stack.pop() as string;
    if (id === target) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(edges.get(id) ?? []));
  }
  return false;
}
