import type { Role } from "@learnops/contracts/auth";
import {
  changeEnrolmentStatusInput,
  type EnrolmentView,
  extendEnrolmentInput,
  grantEnrolmentInput,
  listEnrolmentsInput,
  reassignEnrolmentInput,
  transferEnrolmentInput,
} from "@learnops/contracts/enrolment";
import type { Database } from "@learnops/db/client";
import {
  type EnrolmentRow,
  findEnrolmentForUpdate,
  insertEnrolment,
  type ListedEnrolment,
  listEnrolments,
  updateEnrolment,
} from "@learnops/db/queries/enrolments";
import {
  defaultExpiry,
  type EnrolmentAction,
  enrolmentActionsFrom,
  enrolmentTransition,
} from "@learnops/domain/enrolment";
import { TRPCError } from "@trpc/server";
import { decideLearnerAccess } from "../access-decisions.ts";
import { recordAction } from "../audit-trail.ts";
import { refuseFullCohort } from "../course-offers.ts";
import { memberProcedure, notFound, permittedProcedure, router } from "../trpc.ts";

function toEnrolmentView(row: ListedEnrolment): EnrolmentView {
  return {
    id: row.id,
    userId: row.user_id,
    learner: { displayName: row.display_name, email: row.email },
    course: { id: row.course_id, code: row.course_code, title: row.course_title },
    cohort: row.cohort_id && row.cohort_name ? { id: row.cohort_id, name: row.cohort_name } : null,
    source: row.source as EnrolmentView["source"],
    status: row.status as EnrolmentView["status"],
    paymentState: row.payment_state as EnrolmentView["paymentState"],
    paymentStateSince: row.payment_state_since?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
    clientGroupId: row.client_group_id,
    statusReason: row.status_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    actions: enrolmentActionsFrom(row.status as EnrolmentView["status"]),
  };
}

/** Keyset cursors: the created time and id of the last row on the previous page. */
function encodeCursor(row: { created_at: Date; id: string }): string {
  return `${row.created_at.toISOString()}_${row.id}`;
}

function decodeCursor(cursor: string | undefined): { createdAt: Date; id: string } | undefined {
  if (!cursor) return undefined;
  const [at, id] = cursor.split("_");
  const createdAt = new Date(at ?? "");
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "cursor: not a cursor this list gave out" });
  }
  return { createdAt, id };
}

function conflict(message: string): TRPCError {
  return new TRPCError({ code: "CONFLICT", message });
}

function transitionOrRefuse(enrolment: EnrolmentRow, action: EnrolmentAction) {
  const transition = enrolmentTransition(enrolment.status as EnrolmentView["status"], action);
  if (!transition.ok) throw conflict(transition.reason);
  return transition.status;
}

async function courseFor(db: Database, courseId: string) {
  const course = await db
    .selectFrom("courses")
    .select(["id", "title", "status", "access_days"])
    .where("id", "=", courseId)
    .executeTakeFirst();
  if (!course) throw notFound("Course");
  if (course.status === "archived") throw conflict(`${course.title} is archived: nobody can be enrolled in it`);
  return course;
}

/** The cohort, checked to belong to the course and to have a place left. */
async function cohortFor(db: Database, cohortId: string, courseId: string) {
  const cohort = await db
    .selectFrom("cohorts")
    .select(["id", "name", "course_id", "capacity"])
    .where("id", "=", cohortId)
    // Locked for the count below: two grants for the last place cannot both see room.
    .forUpdate()
    .executeTakeFirst();
  if (!cohort) throw notFound("Cohort");
  if (cohort.course_id !== courseId) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "cohortId: this cohort is not an offering of the course" });
  }
  await refuseFullCohort(db, cohort);
  return cohort;
}

async function learnerMembership(db: Database, userId: string) {
  const membership = await db
    .selectFrom("memberships")
    .select(["id", "client_group_id", "status"])
    .where("user_id", "=", userId)
    .where("role", "=", "learner")
    .executeTakeFirst();
  if (!membership) throw notFound("Learner");
  return membership;
}

async function listedEnrolment(db: Database, enrolmentId: string): Promise<EnrolmentView> {
  const [row] = await listEnrolments(db, { limit: 1, enrolmentId });
  if (!row) throw notFound("Enrolment");
  return toEnrolmentView(row);
}

const snapshot = (row: EnrolmentRow) => ({
  status: row.status,
  courseId: row.course_id,
  cohortId: row.cohort_id,
  expiresAt: row.expires_at,
  statusReason: row.status_reason,
});

export const enrolmentsRouter = router({
  /**
   * "My courses": the signed-in learner's enrolments in the active institution, one per course (the live
   * one, else the latest), each with whether the course opens now and why.
   */
  mine: memberProcedure.query(async ({ ctx }) => {
    const userId = ctx.session.user.id;
    const rows = await listEnrolments(ctx.db, { userId, limit: 200 });
    const latest = new Map<string, ListedEnrolment>();
    for (const row of rows) {
      const kept = latest.get(row.course_id);
      const live = (status: string) => ["pending", "active", "suspended", "review_required"].includes(status);
      if (!kept || (!live(kept.status) && live(row.status))) latest.set(row.course_id, row);
    }
    const now = ctx.now();
    return Promise.all(
      [...latest.values()].map(async (row) => ({
        ...toEnrolmentView(row),
        access: await decideLearnerAccess(
          ctx.db,
          { userId, clientGroupId: ctx.membership.client_group_id },
          { courseId: row.course_id },
          now,
        ),
      })),
    );
  }),

  /** Enrolments of the institution, filtered, newest first; a client manager sees their client group's only. */
  list: permittedProcedure("enrolments.read")
    .input(listEnrolmentsInput)
    .query(async ({ ctx, input }) => {
      const clientGroupId =
        (ctx.membership.role as Role) === "client_manager" ? (ctx.membership.client_group_id ?? "none") : undefined;
      const rows = await listEnrolments(ctx.db, {
        courseId: input.courseId,
        cohortId: input.cohortId,
        userId: input.userId,
        status: input.status,
        clientGroupId,
        before: decodeCursor(input.cursor),
        limit: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      const last = page.at(-1);
      return {
        enrolments: page.map(toEnrolmentView),
        nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null,
      };
    }),

  /** Staff enrol a learner (a manual grant or an administrator's enrolment), for a reason. */
  grant: permittedProcedure("enrolments.manage")
    .input(grantEnrolmentInput)
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now();
      const membership = await learnerMembership(ctx.db, input.userId);
      const course = await courseFor(ctx.db, input.courseId);
      if (input.cohortId) await cohortFor(ctx.db, input.cohortId, course.id);
      const explicit = input.expiresAt ? new Date(input.expiresAt) : null;
      if (explicit && explicit <= now) {
        throw new TRPCError({ code: "BAD_REQUEST", message: "expiresAt: access must end in the future" });
      }
      const result = await insertEnrolment(
        ctx.db,
        {
          institutionId: ctx.institutionId,
          userId: input.userId,
          courseId: course.id,
          cohortId: input.cohortId,
          source: input.source,
          status: "active",
          expiresAt: defaultExpiry(now, course.access_days, explicit),
          clientGroupId: membership.client_group_id,
          statusReason: input.reason,
          createdBy: ctx.session.user.id,
        },
        now,
      );
      if ("duplicate" in result) {
        throw conflict(
          `This learner is already enrolled in ${course.title} (${result.duplicate.status.replace("_", " ")})`,
        );
      }
      await recordAction(ctx, {
        action: "enrolment.created",
        targetType: "enrolment",
        targetId: result.created.id,
        after: { ...snapshot(result.created), source: input.source, userId: input.userId, reason: input.reason },
      });
      return listedEnrolment(ctx.db, result.created.id);
    }),

  /** A new end of access; an expired enrolment becomes active again. */
  extend: permittedProcedure("enrolments.manage")
    .input(extendEnrolmentInput)
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now();
      const enrolment = await findEnrolmentForUpdate(ctx.db, input.enrolmentId);
      if (!enrolment) throw notFound("Enrolment");
      const status = transitionOrRefuse(enrolment, "extend");
      const expiresAt = new Date(input.expiresAt);
      if (expiresAt <= now)
        throw new TRPCError({ code: "BAD_REQUEST", message: "expiresAt: access must end in the future" });
      if (enrolment.expires_at && expiresAt <= enrolment.expires_at) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `expiresAt: an extension ends after the current end of access (${enrolment.expires_at.toISOString().slice(0, 10)})`,
        });
      }
      const updated = await updateEnrolment(
        ctx.db,
        enrolment.id,
        { status, expires_at: expiresAt, status_reason: input.reason },
        now,
      ).catch((error: unknown) => {
        if (typeof error === "object" && error !== null && "code" in error && error.code === "23505") {
          throw conflict("The learner has a newer enrolment in this course; extend that one instead");
        }
        throw error;
      });
      await recordAction(ctx, {
        action: "enrolment.extended",
        targetType: "enrolment",
        targetId: enrolment.id,
        before: snapshot(enrolment),
        after: { ...snapshot(updated), reason: input.reason },
      });
      return listedEnrolment(ctx.db, enrolment.id);
    }),

  /** Moves a learner to another cohort of the same course. */
  transfer: permittedProcedure("enrolments.manage")
    .input(transferEnrolmentInput)
    .mutation(async ({ ctx, input }) => {
      const enrolment = await findEnrolmentForUpdate(ctx.db, input.enrolmentId);
      if (!enrolment) throw notFound("Enrolment");
      transitionOrRefuse(enrolment, "transfer");
      if (enrolment.cohort_id === input.cohortId) throw conflict("The learner is in this cohort already");
      await cohortFor(ctx.db, input.cohortId, enrolment.course_id);
      const updated = await updateEnrolment(
        ctx.db,
        enrolment.id,
        { cohort_id: input.cohortId, status_reason: input.reason },
        ctx.now(),
      );
      await recordAction(ctx, {
        action: "enrolment.transferred",
        targetType: "enrolment",
        targetId: enrolment.id,
        before: snapshot(enrolment),
        after: { ...snapshot(updated), reason: input.reason },
      });
      return listedEnrolment(ctx.db, enrolment.id);
    }),

  /**
   * Moves a learner to another course: the enrolment is cancelled (kept as history) and a new one, from the
   * same source and with the same end of access, is made in the other course.
   */
  reassign: permittedProcedure("enrolments.manage")
    .input(reassignEnrolmentInput)
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now();
      const enrolment = await findEnrolmentForUpdate(ctx.db, input.enrolmentId);
      if (!enrolment) throw notFound("Enrolment");
      transitionOrRefuse(enrolment, "reassign");
      if (enrolment.course_id === input.courseId) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: "courseId: the learner is enrolled in this course already",
        });
      }
      const course = await courseFor(ctx.db, input.courseId);
      if (input.cohortId) await cohortFor(ctx.db, input.cohortId, course.id);
      if (enrolment.contract_id) {
        const covered = await ctx.db
          .selectFrom("client_contract_courses")
          .select("course_id")
          .where("contract_id", "=", enrolment.contract_id)
          .where("course_id", "=", course.id)
          .executeTakeFirst();
        if (!covered) {
          throw new TRPCError({
            code: "BAD_REQUEST",
            message: `courseId: the learner's corporate contract does not cover ${course.title}`,
          });
        }
      }
      const cancelled = await updateEnrolment(
        ctx.db,
        enrolment.id,
        { status: "cancelled", status_reason: `Moved to ${course.title}: ${input.reason}` },
        now,
      );
      const result = await insertEnrolment(
        ctx.db,
        {
          institutionId: ctx.institutionId,
          userId: enrolment.user_id,
          courseId: course.id,
          cohortId: input.cohortId,
          source: enrolment.source as EnrolmentRow["source"],
          status: enrolment.status === "pending" ? "pending" : "active",
          paymentState: enrolment.payment_state as "not_required" | "pending" | "paid",
          expiresAt: enrolment.expires_at,
          clientGroupId: enrolment.client_group_id,
          contractId: enrolment.contract_id,
          promotionId: enrolment.promotion_id,
          statusReason: input.reason,
          createdBy: ctx.session.user.id,
        },
        now,
      );
      if ("duplicate" in result) {
        throw conflict(
          `This learner is already enrolled in ${course.title} (${result.duplicate.status.replace("_", " ")})`,
        );
      }
      await recordAction(ctx, {
        action: "enrolment.reassigned",
        targetType: "enrolment",
        targetId: enrolment.id,
        before: snapshot(enrolment),
        after: { ...snapshot(cancelled), newEnrolmentId: result.created.id, courseId: course.id, reason: input.reason },
      });
      return listedEnrolment(ctx.db, result.created.id);
    }),

  suspend: statusChange("suspend", "enrolment.suspended"),
  reinstate: statusChange("reinstate", "enrolment.reinstated"),
  cancel: statusChange("cancel", "enrolment.cancelled"),
});

function statusChange(action: "suspend" | "reinstate" | "cancel", auditAction: string) {
  return permittedProcedure("enrolments.manage")
    .input(changeEnrolmentStatusInput)
    .mutation(async ({ ctx, input }) => {
      const enrolment = await findEnrolmentForUpdate(ctx.db, input.enrolmentId);
      if (!enrolment) throw notFound("Enrolment");
      const status = transitionOrRefuse(enrolment, action);
      const updated = await updateEnrolment(ctx.db, enrolment.id, { status, status_reason: input.reason }, ctx.now());
      await recordAction(ctx, {
        action: auditAction,
        targetType: "enrolment",
        targetId: enrolment.id,
        before: snapshot(enrolment),
        after: { ...snapshot(updated), reason: input.reason },
      });
      return listedEnrolment(ctx.db, enrolment.id);
    });
}
