import { createPromotionInput, promotionIdInput, redeemPromotionInput } from "@learnops/contracts/enrolment";
import type { Database } from "@learnops/db/client";
import { findLiveEnrolment, insertEnrolment } from "@learnops/db/queries/enrolments";
import { defaultExpiry } from "@learnops/domain/enrolment";
import { TRPCError } from "@trpc/server";
import { sql } from "kysely";
import { recordAction } from "../audit-trail.ts";
import { alreadyEnrolled, openCourse } from "../course-offers.ts";
import { memberProcedure, notFound, permittedProcedure, router } from "../trpc.ts";

type PromotionState = "scheduled" | "active" | "used_up" | "ended";

const day = (date: Date) => date.toISOString().slice(0, 10);

function stateOf(
  promotion: { valid_from: Date; valid_until: Date; uses: number; max_uses: number | null },
  now: Date,
): PromotionState {
  if (now < promotion.valid_from) return "scheduled";
  if (promotion.valid_until <= now) return "ended";
  if (promotion.max_uses !== null && promotion.uses >= promotion.max_uses) return "used_up";
  return "active";
}

async function listPromotions(db: Database, now: Date, promotionId?: string) {
  const rows = await db
    .selectFrom("promotions")
    .select((eb) => [
      "promotions.id",
      "promotions.code",
      "promotions.description",
      "promotions.max_uses",
      "promotions.uses",
      "promotions.valid_from",
      "promotions.valid_until",
      "promotions.access_days",
      "promotions.created_at",
      eb
        .selectFrom("promotion_courses")
        .innerJoin("courses", "courses.id", "promotion_courses.course_id")
        .select(
          sql<{ id: string; code: string; title: string }[]>`coalesce(json_agg(json_build_object(
            'id', courses.id, 'code', courses.code, 'title', courses.title) order by courses.title), '[]')`.as(
            "courses",
          ),
        )
        .whereRef("promotion_courses.promotion_id", "=", "promotions.id")
        .as("courses"),
    ])
    .$if(promotionId !== undefined, (qb) => qb.where("promotions.id", "=", promotionId ?? ""))
    .orderBy("promotions.valid_until", "desc")
    .orderBy("promotions.code")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    code: row.code,
    description: row.description,
    maxUses: row.max_uses,
    uses: row.uses,
    validFrom: row.valid_from.toISOString(),
    validUntil: row.valid_until.toISOString(),
    accessDays: row.access_days,
    courses: row.courses ?? [],
    state: stateOf(row, now),
    createdAt: row.created_at.toISOString(),
  }));
}

export const promotionsRouter = router({
  /** The institution's promotion codes, newest ending first, with their courses, uses and state. */
  list: permittedProcedure("promotions.manage").query(({ ctx }) => listPromotions(ctx.db, ctx.now())),

  create: permittedProcedure("promotions.manage")
    .input(createPromotionInput)
    .mutation(async ({ ctx, input }) => {
      const courseIds = [...new Set(input.courseIds)];
      const courses = await ctx.db.selectFrom("courses").select("id").where("id", "in", courseIds).execute();
      if (courses.length !== courseIds.length) throw notFound("Course");
      const created = await ctx.db
        .insertInto("promotions")
        .values({
          institution_id: ctx.institutionId,
          code: input.code,
          description: input.description,
          max_uses: input.maxUses,
          valid_from: new Date(input.validFrom),
          valid_until: new Date(input.validUntil),
          access_days: input.accessDays,
        })
        .onConflict((oc) => oc.columns(["institution_id", "code"]).doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!created)
        throw new TRPCError({ code: "CONFLICT", message: `A promotion with the code ${input.code} exists already` });
      await ctx.db
        .insertInto("promotion_courses")
        .values(
          courseIds.map((courseId) => ({
            institution_id: ctx.institutionId,
            promotion_id: created.id,
            course_id: courseId,
          })),
        )
        .execute();
      await recordAction(ctx, {
        action: "promotion.created",
        targetType: "promotion",
        targetId: created.id,
        after: { ...input, courseIds },
      });
      const [promotion] = await listPromotions(ctx.db, ctx.now(), created.id);
      return promotion;
    }),

  /** Ends a promotion now: no one can redeem it from here on; what was redeemed stays. */
  deactivate: permittedProcedure("promotions.manage")
    .input(promotionIdInput)
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now();
      const promotion = await ctx.db
        .selectFrom("promotions")
        .select(["id", "code", "valid_from", "valid_until"])
        .where("id", "=", input.promotionId)
        .forUpdate()
        .executeTakeFirst();
      if (!promotion) throw notFound("Promotion");
      if (promotion.valid_until <= now) {
        throw new TRPCError({
          code: "CONFLICT",
          message: `${promotion.code} ended on ${day(promotion.valid_until)} already`,
        });
      }
      // A promotion that has not started yet gets an empty window in the past (valid_from < valid_until holds).
      const validFrom = promotion.valid_from < now ? promotion.valid_from : new Date(now.getTime() - 1);
      await ctx.db
        .updateTable("promotions")
        .set({ valid_from: validFrom, valid_until: now })
        .where("id", "=", promotion.id)
        .execute();
      await recordAction(ctx, {
        action: "promotion.deactivated",
        targetType: "promotion",
        targetId: promotion.id,
        before: { validFrom: promotion.valid_from.toISOString(), validUntil: promotion.valid_until.toISOString() },
        after: { validFrom: validFrom.toISOString(), validUntil: now.toISOString() },
      });
      const [deactivated] = await listPromotions(ctx.db, now, promotion.id);
      return deactivated;
    }),

  /**
   * A learner redeems a code for a course: an active enrolment for the promotion's days of access. Every
   * check and the use it takes happen in the procedure's transaction; the use is counted by a conditional
   * update, so two learners racing for the last use cannot both have it.
   */
  redeem: memberProcedure.input(redeemPromotionInput).mutation(async ({ ctx, input }) => {
    const now = ctx.now();
    const userId = ctx.session.user.id;
    const promotion = await ctx.db
      .selectFrom("promotions")
      .select(["id", "code", "valid_from", "valid_until", "max_uses", "uses", "access_days"])
      .where("code", "=", input.code)
      .executeTakeFirst();
    if (!promotion) throw new TRPCError({ code: "NOT_FOUND", message: `No promotion with the code ${input.code}` });
    const course = await openCourse(ctx.db, input.courseId);

    if (now < promotion.valid_from) {
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: `code: ${promotion.code} can be redeemed from ${day(promotion.valid_from)}`,
      });
    }
    if (promotion.valid_until <= now) {
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: `code: ${promotion.code} expired on ${day(promotion.valid_until)}`,
      });
    }
    const inScope = await ctx.db
      .selectFrom("promotion_courses")
      .select("course_id")
      .where("promotion_id", "=", promotion.id)
      .where("course_id", "=", course.id)
      .executeTakeFirst();
    if (!inScope) {
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: `code: ${promotion.code} does not apply to ${course.title}`,
      });
    }
    const redeemed = await ctx.db
      .selectFrom("promotion_redemptions")
      .select("redeemed_at")
      .where("promotion_id", "=", promotion.id)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (redeemed) {
      throw new TRPCError({
        code: "CONFLICT",
        message: `You redeemed ${promotion.code} on ${day(redeemed.redeemed_at)} already; a code is for one use per person`,
      });
    }
    const live = await findLiveEnrolment(ctx.db, userId, course.id);
    if (live) throw alreadyEnrolled(course, live);

    // The use is taken first: a learner who waits here behind another's redemption of the last use sees the
    // count already at its maximum and is refused.
    const taken = await ctx.db
      .updateTable("promotions")
      .set((eb) => ({ uses: eb("uses", "+", 1) }))
      .where("id", "=", promotion.id)
      // Still running: staff may have ended it since it was read above.
      .where("valid_until", ">", now)
      .where((eb) => eb.or([eb("max_uses", "is", null), eb("uses", "<", eb.ref("max_uses"))]))
      .returning("uses")
      .executeTakeFirst();
    if (!taken) {
      const ended = await ctx.db
        .selectFrom("promotions")
        .select("valid_until")
        .where("id", "=", promotion.id)
        .where("valid_until", "<=", now)
        .executeTakeFirst();
      if (ended) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `code: ${promotion.code} ended on ${day(ended.valid_until)}`,
        });
      }
      throw new TRPCError({
        code: "CONFLICT",
        message: `${promotion.code} has been used up (all ${promotion.max_uses} uses are taken)`,
      });
    }

    const result = await insertEnrolment(
      ctx.db,
      {
        institutionId: ctx.institutionId,
        userId,
        courseId: course.id,
        source: "promotion",
        status: "active",
        expiresAt: defaultExpiry(now, promotion.access_days),
        clientGroupId: ctx.membership.client_group_id,
        promotionId: promotion.id,
        statusReason: `Redeemed ${promotion.code}`,
        createdBy: userId,
      },
      now,
    );
    // Failing here rolls the whole transaction back, the use taken above included.
    if ("duplicate" in result) throw alreadyEnrolled(course, result.duplicate);
    const recorded = await ctx.db
      .insertInto("promotion_redemptions")
      .values({
        institution_id: ctx.institutionId,
        promotion_id: promotion.id,
        user_id: userId,
        enrolment_id: result.created.id,
        redeemed_at: now,
      })
      .onConflict((oc) => oc.columns(["promotion_id", "user_id"]).doNothing())
      .returning("promotion_id")
      .executeTakeFirst();
    if (!recorded) {
      throw new TRPCError({
        code: "CONFLICT",
        message: `You redeemed ${promotion.code} already; a code is for one use per person`,
      });
    }
    await recordAction(ctx, {
      action: "promotion.redeemed",
      targetType: "enrolment",
      targetId: result.created.id,
      after: {
        promotionId: promotion.id,
        code: promotion.code,
        courseId: course.id,
        uses: taken.uses,
        expiresAt: result.created.expires_at?.toISOString() ?? null,
      },
    });
    return {
      enrolmentId: result.created.id,
      course: { id: course.id, title: course.title },
      expiresAt: result.created.expires_at?.toISOString() ?? null,
    };
  }),
});
