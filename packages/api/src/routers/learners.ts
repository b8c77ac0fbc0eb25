import type { Role } from "@learnops/contracts/auth";
import {
  type EnrolmentStatus,
  type LearnerSearchResult,
  setDirectoryOptOutInput,
  supportSearchInput,
} from "@learnops/contracts/enrolment";
import { searchLearners } from "@learnops/db/queries/learner-search";
import { TRPCError } from "@trpc/server";
import { recordAction } from "../audit-trail.ts";
import { memberProcedure, permittedProcedure, router } from "../trpc.ts";

function encodeCursor(last: { display_name: string; user_id: string }): string {
  return Buffer.from(JSON.stringify([last.display_name, last.user_id])).toString("base64url");
}

function decodeCursor(cursor: string | undefined): { displayName: string; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const [displayName, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof displayName === "string" && typeof id === "string" && /^[0-9a-f-]{36}$/.test(id)) {
      return { displayName, id };
    }
  } catch {
    // Falls through to the refusal below.
  }
  throw new TRPCError({ code: "BAD_REQUEST", message: "cursor: not a cursor this search gave out" });
}

export const learnersRouter = router({
  /**
   * Support search: learners of the institution by email, name, course, cohort, client group or enrolment
   * state, a page at a time. A client manager searches their own client group only, and does not find
   * learners who opted out of directory information (unless they type the exact address); staff of the
   * institution find everyone, with the opt-out shown so that they do not pass the information on.
   */
  search: permittedProcedure("learners.search")
    .input(supportSearchInput)
    .query(async ({ ctx, input }) => {
      const clientManager = (ctx.membership.role as Role) === "client_manager";
      if (clientManager && input.clientGroupId && input.clientGroupId !== ctx.membership.client_group_id) {
        return { learners: [], nextCursor: null };
      }
      const rows = await searchLearners(ctx.db, {
        email: input.email,
        name: input.name,
        courseId: input.courseId,
        cohortId: input.cohortId,
        clientGroupId: clientManager ? (ctx.membership.client_group_id ?? undefined) : input.clientGroupId,
        status: input.status,
        after: decodeCursor(input.cursor),
        limit: input.limit + 1,
        includeOptedOut: !clientManager,
      });
      const page = rows.slice(0, input.limit);
      const last = page.at(-1);
      const learners: LearnerSearchResult[] = page.map((row) => ({
        userId: row.user_id,
        displayName: row.display_name,
        email: row.email,
        clientGroup: row.client_group_id ? { id: row.client_group_id, name: row.client_group_name ?? "" } : null,
        directoryOptOut: row.directory_opt_out,
        enrolments: row.enrolments.map((enrolment) => ({
          id: enrolment.id,
          course: { id: enrolment.course_id, title: enrolment.course_title },
          cohortName: enrolment.cohort_name,
          status: enrolment.status as EnrolmentStatus,
          expiresAt: enrolment.expires_at,
        })),
      }));
      return { learners, nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null };
    }),

  /** Whether the signed-in learner opted out of directory information at the active institution. */
  directoryPreference: memberProcedure.query(async ({ ctx }) => {
    const membership = await ctx.db
      .selectFrom("memberships")
      .select("directory_opt_out")
      .where("user_id", "=", ctx.session.user.id)
      .where("role", "=", "learner")
      .executeTakeFirst();
    return { isLearner: Boolean(membership), optOut: membership?.directory_opt_out ?? false };
  }),

  /** A learner opts out of (or back into) directory information at the active institution. Audited. */
  setDirectoryOptOut: memberProcedure.input(setDirectoryOptOutInput).mutation(async ({ ctx, input }) => {
    const updated = await ctx.db
      .updateTable("memberships")
      .set({ directory_opt_out: input.optOut })
      .where("user_id", "=", ctx.session.user.id)
      .where("role", "=", "learner")
      .returning("id")
      .executeTakeFirst();
    if (!updated) {
      throw new TRPCError({ code: "FORBIDDEN", message: "Only learners of this institution have a directory entry" });
    }
    await recordAction(ctx, {
      action: input.optOut ? "directory.opted_out" : "directory.opted_in",
      targetType: "membership",
      targetId: updated.id,
    });
    return { optOut: input.optOut };
  }),
});
