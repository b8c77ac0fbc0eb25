import { createProgramInput, updateProgramInput } from "@learnops/contracts/catalogue";
import type { Database } from "@learnops/db/client";
import { TRPCError } from "@trpc/server";
import { recordAction } from "../audit-trail.ts";
import { memberProcedure, notFound, permittedProcedure, router } from "../trpc.ts";

/** Programs with their courses in order; `published` only for learners' eyes. */
async function listPrograms(db: Database, publishedOnly: boolean) {
  const programs = await db
    .selectFrom("programs")
    .select(["id", "code", "title", "status", "created_at"])
    .$if(publishedOnly, (qb) => qb.where("status", "=", "published"))
    .orderBy("title")
    .execute();
  const courses = programs.length
    ? await db
        .selectFrom("program_courses")
        .innerJoin("courses", "courses.id", "program_courses.course_id")
        .select([
          "program_courses.program_id",
          "program_courses.position",
          "courses.id",
          "courses.code",
          "courses.title",
          "courses.status",
        ])
        .where(
          "program_courses.program_id",
          "in",
          programs.map((program) => program.id),
        )
        .$if(publishedOnly, (qb) => qb.where("courses.status", "=", "published"))
        .orderBy("program_courses.position")
        .execute()
    : [];
  return programs.map((program) => ({
    id: program.id,
    code: program.code,
    title: program.title,
    status: program.status as "draft" | "published" | "archived",
    courses: courses
      .filter((course) => course.program_id === program.id)
      .map((course) => ({ id: course.id, code: course.code, title: course.title, status: course.status })),
  }));
}

/** The courses named, checked to be the institution's, in the order given and without repeats. */
async function courseIdsOf(db: Database, courseIds: readonly string[]): Promise<string[]> {
  const unique = [...new Set(courseIds)];
  if (!unique.length) return [];
  const found = await db.selectFrom("courses").select("id").where("id", "in", unique).execute();
  const missing = unique.filter((id) => !found.some((row) => row.id === id));
  if (missing.length) throw notFound(`Course ${missing.join(", ")}`);
  return unique;
}

async function setProgramCourses(db: Database, institutionId: string, programId: string, courseIds: string[]) {
  await db.deleteFrom("program_courses").where("program_id", "=", programId).execute();
  if (!courseIds.length) return;
  await db
    .insertInto("program_courses")
    .values(
      courseIds.map((courseId, position) => ({
        institution_id: institutionId,
        program_id: programId,
        course_id: courseId,
        position,
      })),
    )
    .execute();
}

export const programsRouter = router({
  /** Published programs and their published courses, for the learner's catalogue. */
  catalogue: memberProcedure.query(({ ctx }) => listPrograms(ctx.db, true)),

  list: permittedProcedure("courses.manage").query(({ ctx }) => listPrograms(ctx.db, false)),

  create: permittedProcedure("courses.manage")
    .input(createProgramInput)
    .mutation(async ({ ctx, input }) => {
      const courseIds = await courseIdsOf(ctx.db, input.courseIds);
      const created = await ctx.db
        .insertInto("programs")
        .values({ institution_id: ctx.institutionId, code: input.code, title: input.title })
        .onConflict((oc) => oc.columns(["institution_id", "code"]).doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!created)
        throw new TRPCError({ code: "CONFLICT", message: `A program with the code "${input.code}" exists already` });
      await setProgramCourses(ctx.db, ctx.institutionId, created.id, courseIds);
      await recordAction(ctx, { action: "program.created", targetType: "program", targetId: created.id, after: input });
      return { id: created.id };
    }),

  update: permittedProcedure("courses.manage")
    .input(updateProgramInput)
    .mutation(async ({ ctx, input }) => {
      const program = await ctx.db
        .selectFrom("programs")
        .select(["id", "title", "status"])
        .where("id", "=", input.programId)
        .executeTakeFirst();
      if (!program) throw notFound("Program");
      const changes = {
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
      };
      if (Object.keys(changes).length)
        await ctx.db.updateTable("programs").set(changes).where("id", "=", program.id).execute();
      if (input.courseIds)
        await setProgramCourses(ctx.db, ctx.institutionId, program.id, await courseIdsOf(ctx.db, input.courseIds));
      await recordAction(ctx, {
        action: "program.updated",
        targetType: "program",
        targetId: program.id,
        before: { title: program.title, status: program.status },
        after: { ...changes, ...(input.courseIds ? { courseIds: input.courseIds } : {}) },
      });
      return { id: program.id };
    }),
});
