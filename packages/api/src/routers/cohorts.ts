import { courseIdInput } from "@learnops/contracts/catalogue";
import {
  type CreateCohortInput,
  cohortIdInput,
  createCohortInput,
  extendDeadlineInput,
  setDeadlineInput,
  type UpdateCohortInput,
  updateCohortInput,
} from "@learnops/contracts/enrolment";
import type { Database } from "@learnops/db/client";
import { findClientGroup } from "@learnops/db/queries/people";
import { TRPCError } from "@trpc/server";
import { recordAction } from "../audit-trail.ts";
import { placesTaken, placeTakingStatuses } from "../course-offers.ts";
import { notFound, permittedProcedure, router } from "../trpc.ts";

async function cohortRow(db: Database, cohortId: string) {
  const cohort = await db.selectFrom("cohorts").selectAll().where("id", "=", cohortId).executeTakeFirst();
  if (!cohort) throw notFound("Cohort");
  return cohort;
}

/** Instructors named for a cohort must teach in the institution (an instructor or course admin membership). */
async function checkInstructors(db: Database, userIds: readonly string[]) {
  if (!userIds.length) return;
  const found = await db
    .selectFrom("memberships")
    .select("user_id")
    .where("user_id", "in", userIds)
    .where("role", "in", ["instructor", "course_admin"])
    .execute();
  const missing = userIds.filter((id) => !found.some((row) => row.user_id === id));
  if (missing.length) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `instructorIds: not instructors of this institution: ${missing.join(", ")}`,
    });
  }
}

/** A cohort row's name, dates and places as the API gives them. */
function cohortDetails(row: {
  name: string;
  starts_at: Date;
  ends_at: Date;
  enrolment_opens_at: Date | null;
  enrolment_closes_at: Date | null;
  capacity: number | null;
}) {
  return {
    name: row.name,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    enrolmentOpensAt: row.enrolment_opens_at?.toISOString() ?? null,
    enrolmentClosesAt: row.enrolment_closes_at?.toISOString() ?? null,
    capacity: row.capacity,
  };
}

/** The columns a cohort's details (as `create` and `update` take them) are stored in. */
function cohortColumns(input: UpdateCohortInput | CreateCohortInput) {
  return {
    name: input.name,
    starts_at: new Date(input.startsAt),
    ends_at: new Date(input.endsAt),
    enrolment_opens_at: input.enrolmentOpensAt ? new Date(input.enrolmentOpensAt) : null,
    enrolment_closes_at: input.enrolmentClosesAt ? new Date(input.enrolmentClosesAt) : null,
    capacity: input.capacity,
    client_group_id: input.clientGroupId,
  };
}

const nameTaken = (name: string) =>
  new TRPCError({ code: "CONFLICT", message: `The course has a cohort named "${name}" already` });

export const cohortsRouter = router({
  /** A course's cohorts, soonest first, with their instructors, deadlines and how many places are taken. */
  list: permittedProcedure("enrolments.read")
    .input(courseIdInput)
    .query(async ({ ctx, input }) => {
      const course = await ctx.db
        .selectFrom("courses")
        .select("id")
        .where("id", "=", input.courseId)
        .executeTakeFirst();
      if (!course) throw notFound("Course");
      const cohorts = await ctx.db
        .selectFrom("cohorts")
        .leftJoin("client_groups", "client_groups.id", "cohorts.client_group_id")
        .selectAll("cohorts")
        .select("client_groups.name as client_group_name")
        .select((eb) =>
          eb
            .selectFrom("enrolments")
            .select(eb.fn.countAll<string>().as("n"))
            .whereRef("enrolments.cohort_id", "=", "cohorts.id")
            .where("enrolments.status", "in", placeTakingStatuses)
            .as("enrolled"),
        )
        .where("cohorts.course_id", "=", course.id)
        .orderBy("cohorts.starts_at")
        .execute();
      const ids = cohorts.map((cohort) => cohort.id);
      const [instructors, deadlines] = ids.length
        ? await Promise.all([
            ctx.db
              .selectFrom("cohort_instructors")
              .innerJoin("users", "users.id", "cohort_instructors.user_id")
              .select(["cohort_instructors.cohort_id", "users.id", "users.display_name"])
              .where("cohort_instructors.cohort_id", "in", ids)
              .execute(),
            ctx.db
              .selectFrom("cohort_deadlines")
              .leftJoin("modules", "modules.id", "cohort_deadlines.module_id")
              .leftJoin("lessons", "lessons.id", "cohort_deadlines.lesson_id")
              .select([
                "cohort_deadlines.id",
                "cohort_deadlines.cohort_id",
                "cohort_deadlines.module_id",
                "cohort_deadlines.lesson_id",
                "cohort_deadlines.due_at",
                "modules.title as module_title",
                "lessons.title as lesson_title",
              ])
              .where("cohort_deadlines.cohort_id", "in", ids)
              .orderBy("cohort_deadlines.due_at")
              .execute(),
          ])
        : [[], []];
      return cohorts.map((cohort) => ({
        id: cohort.id,
        courseId: cohort.course_id,
        ...cohortDetails(cohort),
        enrolled: Number(cohort.enrolled ?? 0),
        clientGroup: cohort.client_group_id
          ? { id: cohort.client_group_id, name: cohort.client_group_name ?? "" }
          : null,
        instructors: instructors
          .filter((row) => row.cohort_id === cohort.id)
          .map((row) => ({ userId: row.id, displayName: row.display_name })),
        deadlines: deadlines
          .filter((row) => row.cohort_id === cohort.id)
          .map((row) => ({
            id: row.id,
            moduleId: row.module_id,
            lessonId: row.lesson_id,
            title: row.module_title ?? row.lesson_title ?? "",
            dueAt: row.due_at.toISOString(),
          })),
      }));
    }),

  create: permittedProcedure("courses.manage")
    .input(createCohortInput)
    .mutation(async ({ ctx, input }) => {
      const course = await ctx.db
        .selectFrom("courses")
        .select(["id", "status"])
        .where("id", "=", input.courseId)
        .executeTakeFirst();
      if (!course) throw notFound("Course");
      if (input.clientGroupId && !(await findClientGroup(ctx.db, input.clientGroupId))) throw notFound("Client group");
      const instructorIds = [...new Set(input.instructorIds)];
      await checkInstructors(ctx.db, instructorIds);
      const created = await ctx.db
        .insertInto("cohorts")
        .values({ institution_id: ctx.institutionId, course_id: course.id, ...cohortColumns(input) })
        .onConflict((oc) => oc.columns(["course_id", "name"]).doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!created) throw nameTaken(input.name);
      if (instructorIds.length) {
        await ctx.db
          .insertInto("cohort_instructors")
          .values(
            instructorIds.map((userId) => ({
              institution_id: ctx.institutionId,
              cohort_id: created.id,
              user_id: userId,
            })),
          )
          .execute();
      }
      await recordAction(ctx, { action: "cohort.created", targetType: "cohort", targetId: created.id, after: input });
      return { id: created.id };
    }),

  /**
   * Replaces a cohort's details (what `create` sets; its course stays). Refused, naming the field, when the new
   * details would strand what the cohort has already: fewer places than are taken, a deadline outside its new
   * dates, or another client group while learners hold places in it.
   */
  update: permittedProcedure("courses.manage")
    .input(updateCohortInput)
    .mutation(async ({ ctx, input }) => {
      const cohort = await ctx.db
        .selectFrom("cohorts")
        .selectAll()
        .where("id", "=", input.cohortId)
        .forUpdate()
        .executeTakeFirst();
      if (!cohort) throw notFound("Cohort");
      const refuse = (message: string) => new TRPCError({ code: "BAD_REQUEST", message });
      const startsAt = new Date(input.startsAt);
      const endsAt = new Date(input.endsAt);
      const [taken, deadlines, namesake, instructors] = await Promise.all([
        placesTaken(ctx.db, cohort.id),
        ctx.db
          .selectFrom("cohort_deadlines")
          .leftJoin("modules", "modules.id", "cohort_deadlines.module_id")
          .leftJoin("lessons", "lessons.id", "cohort_deadlines.lesson_id")
          .select(["cohort_deadlines.due_at", "modules.title as module_title", "lessons.title as lesson_title"])
          .where("cohort_deadlines.cohort_id", "=", cohort.id)
          .orderBy("cohort_deadlines.due_at")
          .execute(),
        ctx.db
          .selectFrom("cohorts")
          .select("id")
          .where("course_id", "=", cohort.course_id)
          .where("name", "=", input.name)
          .where("id", "<>", cohort.id)
          .executeTakeFirst(),
        ctx.db.selectFrom("cohort_instructors").select("user_id").where("cohort_id", "=", cohort.id).execute(),
      ]);
      if (namesake) throw nameTaken(input.name);
      if (input.capacity !== null && input.capacity < taken) {
        throw refuse(`capacity: ${taken} places are taken; the cohort cannot have fewer`);
      }
      if (input.clientGroupId !== cohort.client_group_id) {
        if (taken > 0) throw refuse("clientGroupId: learners hold places in this cohort, so its client group stays");
        if (input.clientGroupId && !(await findClientGroup(ctx.db, input.clientGroupId))) {
          throw notFound("Client group");
        }
      }
      for (const deadline of deadlines) {
        const field = deadline.due_at < startsAt ? "startsAt" : deadline.due_at > endsAt ? "endsAt" : null;
        if (!field) continue;
        const title = deadline.module_title ?? deadline.lesson_title ?? "a lesson";
        const day = deadline.due_at.toISOString().slice(0, 10);
        throw refuse(`${field}: the deadline for ${title} (${day}) would fall outside the cohort; move it first`);
      }
      const instructorIds = [...new Set(input.instructorIds)];
      await checkInstructors(ctx.db, instructorIds);

      await ctx.db.updateTable("cohorts").set(cohortColumns(input)).where("id", "=", cohort.id).execute();
      const before = instructors.map((row) => row.user_id);
      const removed = before.filter((id) => !instructorIds.includes(id));
      const added = instructorIds.filter((id) => !before.includes(id));
      if (removed.length) {
        await ctx.db
          .deleteFrom("cohort_instructors")
          .where("cohort_id", "=", cohort.id)
          .where("user_id", "in", removed)
          .execute();
      }
      if (added.length) {
        await ctx.db
          .insertInto("cohort_instructors")
          .values(added.map((userId) => ({ institution_id: ctx.institutionId, cohort_id: cohort.id, user_id: userId })))
          .execute();
      }
      const { cohortId: _cohortId, ...after } = input;
      await recordAction(ctx, {
        action: "cohort.updated",
        targetType: "cohort",
        targetId: cohort.id,
        before: {
          ...cohortDetails(cohort),
          clientGroupId: cohort.client_group_id,
          instructorIds: before,
        },
        after: { ...after, instructorIds },
      });
      return { id: cohort.id };
    }),

  /** Sets (or, with `dueAt: null`, removes) a cohort's deadline for a module or an assignment. */
  setDeadline: permittedProcedure("courses.manage")
    .input(setDeadlineInput)
    .mutation(async ({ ctx, input }) => {
      const cohort = await cohortRow(ctx.db, input.cohortId);
      const target = input.moduleId
        ? await ctx.db
            .selectFrom("modules")
            .select(["id", "course_id"])
            .where("id", "=", input.moduleId)
            .executeTakeFirst()
        : await ctx.db
            .selectFrom("lessons")
            .select(["id", "course_id"])
            .where("id", "=", input.lessonId ?? "")
            .executeTakeFirst();
      if (!target || target.course_id !== cohort.course_id) throw notFound(input.moduleId ? "Module" : "Lesson");
      const column = input.moduleId ? "module_id" : "lesson_id";
      const existing = await ctx.db
        .selectFrom("cohort_deadlines")
        .select(["id", "due_at"])
        .where("cohort_id", "=", cohort.id)
        .where(column, "=", target.id)
        .executeTakeFirst();
      if (input.dueAt === null) {
        if (existing) await ctx.db.deleteFrom("cohort_deadlines").where("id", "=", existing.id).execute();
      } else {
        const dueAt = new Date(input.dueAt);
        if (dueAt < cohort.starts_at || dueAt > cohort.ends_at) {
          throw new TRPCError({
            code: "BAD_REQUEST",
            message: "dueAt: a deadline falls between the cohort's start and end",
          });
        }
        if (existing) {
          await ctx.db.updateTable("cohort_deadlines").set({ due_at: dueAt }).where("id", "=", existing.id).execute();
        } else {
          await ctx.db
            .insertInto("cohort_deadlines")
            .values({
              institution_id: ctx.institutionId,
              cohort_id: cohort.id,
              course_id: cohort.course_id,
              [column]: target.id,
              due_at: dueAt,
            })
            .execute();
        }
      }
      await recordAction(ctx, {
        action: "cohort.deadline_set",
        targetType: "cohort",
        targetId: cohort.id,
        before: existing ? { [column]: target.id, dueAt: existing.due_at } : null,
        after: { [column]: target.id, dueAt: input.dueAt },
      });
      return { set: input.dueAt !== null };
    }),

  /** Gives one learner a later deadline than their cohort's. */
  extendDeadline: permittedProcedure("enrolments.manage")
    .input(extendDeadlineInput)
    .mutation(async ({ ctx, input }) => {
      const enrolment = await ctx.db
        .selectFrom("enrolments")
        .select(["id", "cohort_id", "user_id"])
        .where("id", "=", input.enrolmentId)
        .executeTakeFirst();
      if (!enrolment) throw notFound("Enrolment");
      const deadline = await ctx.db
        .selectFrom("cohort_deadlines")
        .select(["id", "cohort_id", "due_at"])
        .where("id", "=", input.deadlineId)
        .executeTakeFirst();
      if (!deadline) throw notFound("Deadline");
      if (deadline.cohort_id !== enrolment.cohort_id) {
        throw new TRPCError({ code: "BAD_REQUEST", message: "deadlineId: the learner's cohort has no such deadline" });
      }
      const dueAt = new Date(input.dueAt);
      if (dueAt <= deadline.due_at) {
        throw new TRPCError({ code: "BAD_REQUEST", message: "dueAt: an extension ends after the cohort's deadline" });
      }
      await ctx.db
        .insertInto("deadline_extensions")
        .values({
          institution_id: ctx.institutionId,
          enrolment_id: enrolment.id,
          deadline_id: deadline.id,
          due_at: dueAt,
          reason: input.reason,
          granted_by: ctx.session.user.id,
        })
        .onConflict((oc) =>
          oc.columns(["enrolment_id", "deadline_id"]).doUpdateSet({
            due_at: dueAt,
            reason: input.reason,
            granted_by: ctx.session.user.id,
            granted_at: ctx.now(),
          }),
        )
        .execute();
      await recordAction(ctx, {
        action: "enrolment.deadline_extended",
        targetType: "enrolment",
        targetId: enrolment.id,
        before: { deadlineId: deadline.id, dueAt: deadline.due_at },
        after: { deadlineId: deadline.id, dueAt, reason: input.reason },
      });
      return { dueAt: dueAt.toISOString() };
    }),

  byId: permittedProcedure("enrolments.read")
    .input(cohortIdInput)
    .query(async ({ ctx, input }) => {
      const cohort = await cohortRow(ctx.db, input.cohortId);
      return {
        id: cohort.id,
        courseId: cohort.course_id,
        name: cohort.name,
        startsAt: cohort.starts_at.toISOString(),
        endsAt: cohort.ends_at.toISOString(),
        capacity: cohort.capacity,
      };
    }),
});
