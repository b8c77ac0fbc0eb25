import { checkAccessInput, inspectAccessInput, listOverridesInput } from "@learnops/contracts/access";
import { createOverrideInput, overrideIdInput } from "@learnops/contracts/enrolment";
import { TRPCError } from "@trpc/server";
import { decideLearnerAccess, decideLessonAccess } from "../access-decisions.ts";
import { recordAction } from "../audit-trail.ts";
import { memberStatementProcedure, notFound, permittedProcedure, router } from "../trpc.ts";

export const accessRouter = router({
  /**
   * The hot path: whether the signed-in learner may open a lesson now, with the reason in words and the
   * trace of every check. Every lesson open goes through it.
   */
  check: memberStatementProcedure.input(checkAccessInput).query(async ({ ctx, input }) => {
    const decision = await decideLessonAccess(
      ctx.db,
      { institutionId: ctx.institutionId, userId: ctx.session.user.id, clientGroupId: ctx.membership.client_group_id },
      input.lessonId,
      ctx.now(),
      ctx.accessCache,
    );
    if (!decision) throw notFound("Lesson");
    return decision;
  }),

  /**
   * Support's view of a learner's access to a lesson or a course: the same decision and trace the learner
   * would get. Reading a learner's record, it is kept in the audit trail (FERPA's record of disclosures).
   */
  inspect: permittedProcedure("access.inspect")
    .input(inspectAccessInput)
    .query(async ({ ctx, input }) => {
      const membership = await ctx.db
        .selectFrom("memberships")
        .innerJoin("users", "users.id", "memberships.user_id")
        .select(["memberships.client_group_id", "users.display_name", "users.email"])
        .where("memberships.user_id", "=", input.userId)
        .where("memberships.role", "=", "learner")
        .executeTakeFirst();
      if (!membership) throw notFound("Learner");
      const target = "lessonId" in input ? { lessonId: input.lessonId } : { courseId: input.courseId };
      const decision = await decideLearnerAccess(
        ctx.db,
        { userId: input.userId, clientGroupId: membership.client_group_id },
        target,
        ctx.now(),
      );
      if (!decision) throw notFound("lessonId" in input ? "Lesson" : "Course");
      await recordAction(ctx, {
        action: "access.inspected",
        targetType: "user",
        targetId: input.userId,
        after: { ...target, allowed: decision.allowed, denial: decision.denial },
      });
      return { learner: { displayName: membership.display_name, email: membership.email }, decision };
    }),

  listOverrides: permittedProcedure("access.override")
    .input(listOverridesInput)
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db
        .selectFrom("access_overrides")
        .innerJoin("courses", "courses.id", "access_overrides.course_id")
        .innerJoin("users", "users.id", "access_overrides.user_id")
        .select([
          "access_overrides.id",
          "access_overrides.user_id",
          "access_overrides.course_id",
          "access_overrides.effect",
          "access_overrides.reason",
          "access_overrides.starts_at",
          "access_overrides.expires_at",
          "access_overrides.revoked_at",
          "access_overrides.created_at",
          "courses.title as course_title",
          "users.display_name",
          "users.email",
        ])
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom("memberships")
              .select("memberships.id")
              .whereRef("memberships.user_id", "=", "access_overrides.user_id"),
          ),
        )
        .$if(input.userId !== undefined, (qb) => qb.where("access_overrides.user_id", "=", input.userId ?? ""))
        .$if(input.courseId !== undefined, (qb) => qb.where("access_overrides.course_id", "=", input.courseId ?? ""))
        .orderBy("access_overrides.created_at", "desc")
        .limit(200)
        .execute();
      const now = ctx.now();
      return rows.map((row) => ({
        id: row.id,
        userId: row.user_id,
        learner: { displayName: row.display_name, email: row.email },
        course: { id: row.course_id, title: row.course_title },
        effect: row.effect as "allow" | "deny",
        reason: row.reason,
        startsAt: row.starts_at.toISOString(),
        expiresAt: row.expires_at.toISOString(),
        revokedAt: row.revoked_at?.toISOString() ?? null,
        inForce: row.revoked_at === null && row.starts_at <= now && now < row.expires_at,
      }));
    }),

  /** Allows or denies one learner a course until a time, whatever their enrolment says. Audited. */
  createOverride: permittedProcedure("access.override")
    .input(createOverrideInput)
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now();
      const startsAt = input.startsAt ? new Date(input.startsAt) : now;
      const expiresAt = new Date(input.expiresAt);
      if (expiresAt <= startsAt || expiresAt <= now) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: "expiresAt: an override must end in the future, after it starts",
        });
      }
      const member = await ctx.db
        .selectFrom("memberships")
        .select("id")
        .where("user_id", "=", input.userId)
        .executeTakeFirst();
      if (!member) throw notFound("Learner");
      const course = await ctx.db
        .selectFrom("courses")
        .select("id")
        .where("id", "=", input.courseId)
        .executeTakeFirst();
      if (!course) throw notFound("Course");
      const created = await ctx.db
        .insertInto("access_overrides")
        .values({
          institution_id: ctx.institutionId,
          user_id: input.userId,
          course_id: input.courseId,
          effect: input.effect,
          reason: input.reason,
          starts_at: startsAt,
          expires_at: expiresAt,
          created_by: ctx.session.user.id,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await recordAction(ctx, {
        action: "access.override_created",
        targetType: "access_override",
        targetId: created.id,
        after: {
          userId: input.userId,
          courseId: input.courseId,
          effect: input.effect,
          reason: input.reason,
          startsAt,
          expiresAt,
        },
      });
      return { id: created.id };
    }),

  revokeOverride: permittedProcedure("access.override")
    .input(overrideIdInput)
    .mutation(async ({ ctx, input }) => {
      const override = await ctx.db
        .selectFrom("access_overrides")
        .select(["id", "revoked_at", "effect", "user_id", "course_id"])
        .where("id", "=", input.overrideId)
        .executeTakeFirst();
      if (!override) throw notFound("Override");
      if (override.revoked_at) throw new TRPCError({ code: "CONFLICT", message: "This override was revoked already" });
      await ctx.db
        .updateTable("access_overrides")
        .set({ revoked_at: ctx.now(), revoked_by: ctx.session.user.id })
        .where("id", "=", override.id)
        .execute();
      await recordAction(ctx, {
        action: "access.override_revoked",
        targetType: "access_override",
        targetId: override.id,
        before: { effect: override.effect, userId: override.user_id, courseId: override.course_id },
      });
      return { revoked: true };
    }),
});
