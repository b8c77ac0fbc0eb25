import { checkoutInput } from "@learnops/contracts/enrolment";
import { findLiveEnrolment, insertEnrolment } from "@learnops/db/queries/enrolments";
import { TRPCError } from "@trpc/server";
import { recordAction } from "../audit-trail.ts";
import { alreadyEnrolled, cohortWithRoom, openCourse } from "../course-offers.ts";
import { memberProcedure, router } from "../trpc.ts";

export const paymentsRouter = router({
  /**
   * A learner buys a course: a pending payment enrolment whose id is the reference the payment provider's
   * events carry (POST /webhooks/payments turns it active when the payment succeeds).
   */
  checkout: memberProcedure.input(checkoutInput).mutation(async ({ ctx, input }) => {
    const now = ctx.now();
    const userId = ctx.session.user.id;
    const course = await openCourse(ctx.db, input.courseId);
    if (course.price_cents === null || course.currency === null) {
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: `courseId: ${course.title} has no price: it is not sold to individuals`,
      });
    }
    const live = await findLiveEnrolment(ctx.db, userId, course.id);
    if (live) throw alreadyEnrolled(course, live);
    if (input.cohortId) {
      await cohortWithRoom(ctx.db, input.cohortId, course.id, now, ctx.membership.client_group_id);
    }

    const result = await insertEnrolment(
      ctx.db,
      {
        institutionId: ctx.institutionId,
        userId,
        courseId: course.id,
        cohortId: input.cohortId,
        source: "payment",
        status: "pending",
        paymentState: "pending",
        clientGroupId: ctx.membership.client_group_id,
        statusReason: "Waiting for payment",
        createdBy: userId,
      },
      now,
    );
    if ("duplicate" in result) throw alreadyEnrolled(course, result.duplicate);
    const amount = { amountCents: course.price_cents, currency: course.currency };
    await recordAction(ctx, {
      action: "enrolment.checkout_started",
      targetType: "enrolment",
      targetId: result.created.id,
      after: { courseId: course.id, cohortId: input.cohortId, status: "pending", paymentState: "pending", ...amount },
    });
    return { enrolmentId: result.created.id, ...amount, course: { id: course.id, title: course.title } };
  }),
});
