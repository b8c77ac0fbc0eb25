import { createContractInput, enrolClientGroupInput, terminateContractInput } from "@learnops/contracts/enrolment";
import type { Database } from "@learnops/db/client";
import { findLiveEnrolment, insertEnrolment } from "@learnops/db/queries/enrolments";
import { defaultExpiry } from "@learnops/domain/enrolment";
import { TRPCError } from "@trpc/server";
import { sql } from "kysely";
import { recordAction } from "../audit-trail.ts";
import { cohortWithRoom, openCourse } from "../course-offers.ts";
import { notFound, permittedProcedure, router } from "../trpc.ts";

/** A contract's dates are whole days (UTC): it runs from the start of `starts_on` to the end of `ends_on`. */
const today = (now: Date) => now.toISOString().slice(0, 10);
const endOfDay = (date: string) => new Date(`${date}T23:59:59.999Z`);

type ContractState = "scheduled" | "current" | "ended" | "terminated";

function stateOf(contract: { status: string; starts_on: string; ends_on: string }, now: Date): ContractState {
  if (contract.status === "terminated") return "terminated";
  if (today(now) < contract.starts_on) return "scheduled";
  if (contract.ends_on < today(now)) return "ended";
  return "current";
}

async function listContracts(db: Database, now: Date, contractId?: string) {
  const rows = await db
    .selectFrom("client_contracts")
    .innerJoin("client_groups", "client_groups.id", "client_contracts.client_group_id")
    .select((eb) => [
      "client_contracts.id",
      "client_contracts.name",
      "client_contracts.client_group_id",
      "client_groups.name as client_group_name",
      // Dates as the calendar days they are, whatever the session's time zone.
      sql<string>`to_char(client_contracts.starts_on, 'YYYY-MM-DD')`.as("starts_on"),
      sql<string>`to_char(client_contracts.ends_on, 'YYYY-MM-DD')`.as("ends_on"),
      "client_contracts.status",
      "client_contracts.created_at",
      eb
        .selectFrom("client_contract_courses")
        .innerJoin("courses", "courses.id", "client_contract_courses.course_id")
        .select(
          sql<{ id: string; code: string; title: string }[]>`coalesce(json_agg(json_build_object(
            'id', courses.id, 'code', courses.code, 'title', courses.title) order by courses.title), '[]')`.as(
            "courses",
          ),
        )
        .whereRef("client_contract_courses.contract_id", "=", "client_contracts.id")
        .as("courses"),
      eb
        .selectFrom("enrolments")
        .select(
          sql<{ live: number; total: number }>`json_build_object(
            'live', count(*) filter (where enrolments.status in ('pending', 'active', 'suspended', 'review_required')),
            'total', count(*))`.as("counts"),
        )
        .whereRef("enrolments.contract_id", "=", "client_contracts.id")
        .as("enrolments"),
    ])
    .$if(contractId !== undefined, (qb) => qb.where("client_contracts.id", "=", contractId ?? ""))
    .orderBy("client_contracts.ends_on", "desc")
    .orderBy("client_contracts.name")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    clientGroup: { id: row.client_group_id, name: row.client_group_name },
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    status: row.status as "active" | "terminated",
    state: stateOf(row, now),
    courses: row.courses ?? [],
    enrolments: row.enrolments ?? { live: 0, total: 0 },
    createdAt: row.created_at.toISOString(),
  }));
}

type EnrolOutcome =
  | { userId: string; outcome: "created"; enrolmentId: string }
  | { userId: string; outcome: "already_enrolled"; enrolmentId: string; status: string }
  | { userId: string; outcome: "refused"; reason: string };

export const contractsRouter = router({
  /** The institution's corporate contracts with their client group, courses, dates, state and enrolments. */
  list: permittedProcedure("contracts.manage").query(({ ctx }) => listContracts(ctx.db, ctx.now())),

  create: permittedProcedure("contracts.manage")
    .input(createContractInput)
    .mutation(async ({ ctx, input }) => {
      const group = await ctx.db
        .selectFrom("client_groups")
        .select(["id", "name"])
        .where("id", "=", input.clientGroupId)
        .executeTakeFirst();
      if (!group) throw notFound("Client group");
      const courseIds = [...new Set(input.courseIds)];
      const courses = await ctx.db.selectFrom("courses").select("id").where("id", "in", courseIds).execute();
      if (courses.length !== courseIds.length) throw notFound("Course");
      const created = await ctx.db
        .insertInto("client_contracts")
        .values({
          institution_id: ctx.institutionId,
          client_group_id: group.id,
          name: input.name,
          starts_on: input.startsOn,
          ends_on: input.endsOn,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await ctx.db
        .insertInto("client_contract_courses")
        .values(
          courseIds.map((courseId) => ({
            institution_id: ctx.institutionId,
            contract_id: created.id,
            course_id: courseId,
          })),
        )
        .execute();
      await recordAction(ctx, {
        action: "contract.created",
        targetType: "client_contract",
        targetId: created.id,
        after: { ...input, courseIds, clientGroupName: group.name },
      });
      const [contract] = await listContracts(ctx.db, ctx.now(), created.id);
      return contract;
    }),

  /**
   * Ends a contract before its last day. Its enrolments stay as they are, but the access engine stops
   * letting them in (a terminated contract grants nothing).
   */
  terminate: permittedProcedure("contracts.manage")
    .input(terminateContractInput)
    .mutation(async ({ ctx, input }) => {
      const contract = await ctx.db
        .selectFrom("client_contracts")
        .select(["id", "name", "status"])
        .where("id", "=", input.contractId)
        .forUpdate()
        .executeTakeFirst();
      if (!contract) throw notFound("Contract");
      if (contract.status === "terminated") {
        throw new TRPCError({ code: "CONFLICT", message: `${contract.name} was terminated already` });
      }
      await ctx.db
        .updateTable("client_contracts")
        .set({ status: "terminated" })
        .where("id", "=", contract.id)
        .execute();
      await recordAction(ctx, {
        action: "contract.terminated",
        targetType: "client_contract",
        targetId: contract.id,
        before: { status: contract.status },
        after: { status: "terminated", reason: input.reason },
      });
      const [terminated] = await listContracts(ctx.db, ctx.now(), contract.id);
      return terminated;
    }),

  /**
   * Enrols people of the contract's client group in one of its courses. Each person is reported: enrolled
   * now, enrolled already (left as is), or refused and why; the refusals do not stop the others.
   */
  enrolClientGroup: permittedProcedure("contracts.manage")
    .input(enrolClientGroupInput)
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now();
      const contract = await ctx.db
        .selectFrom("client_contracts")
        .innerJoin("client_groups", "client_groups.id", "client_contracts.client_group_id")
        .select([
          "client_contracts.id",
          "client_contracts.name",
          "client_contracts.status",
          "client_contracts.client_group_id",
          "client_groups.name as client_group_name",
          sql<string>`to_char(client_contracts.starts_on, 'YYYY-MM-DD')`.as("starts_on"),
          sql<string>`to_char(client_contracts.ends_on, 'YYYY-MM-DD')`.as("ends_on"),
        ])
        .where("client_contracts.id", "=", input.contractId)
        .executeTakeFirst();
      if (!contract) throw notFound("Contract");
      const state = stateOf(contract, now);
      if (state !== "current") {
        const why = {
          terminated: "was terminated",
          scheduled: `starts on ${contract.starts_on}`,
          ended: `ended on ${contract.ends_on}`,
        }[state];
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `contractId: ${contract.name} ${why}, so it enrols nobody`,
        });
      }
      const course = await openCourse(ctx.db, input.courseId);
      const covered = await ctx.db
        .selectFrom("client_contract_courses")
        .select("course_id")
        .where("contract_id", "=", contract.id)
        .where("course_id", "=", course.id)
        .executeTakeFirst();
      if (!covered) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `courseId: ${contract.name} does not cover ${course.title}`,
        });
      }
      if (input.cohortId) await cohortWithRoom(ctx.db, input.cohortId, course.id, now, contract.client_group_id);

      const userIds = [...new Set(input.userIds)];
      const members = await ctx.db
        .selectFrom("memberships")
        .select(["user_id", "status", "client_group_id"])
        .where("user_id", "in", userIds)
        .where("institution_id", "=", ctx.institutionId)
        .where("role", "=", "learner")
        .execute();
      const membershipOf = new Map(members.map((member) => [member.user_id, member]));
      // Access lasts the course's days, and never beyond the contract's last day.
      const contractEnd = endOfDay(contract.ends_on);
      const courseExpiry = defaultExpiry(now, course.access_days);
      const expiresAt = courseExpiry && courseExpiry < contractEnd ? courseExpiry : contractEnd;

      const results: EnrolOutcome[] = [];
      for (const userId of userIds) {
        const member = membershipOf.get(userId);
        if (!member || member.client_group_id !== contract.client_group_id) {
          results.push({ userId, outcome: "refused", reason: `Not a learner of ${contract.client_group_name}` });
          continue;
        }
        if (member.status !== "active") {
          results.push({ userId, outcome: "refused", reason: "Their membership is suspended" });
          continue;
        }
        const live = await findLiveEnrolment(ctx.db, userId, course.id);
        if (live) {
          results.push({ userId, outcome: "already_enrolled", enrolmentId: live.id, status: live.status });
          continue;
        }
        if (input.cohortId) {
          // Each place is counted again, under the lock on the cohort taken above.
          try {
            await cohortWithRoom(ctx.db, input.cohortId, course.id, now, contract.client_group_id);
          } catch (error) {
            if (!(error instanceof TRPCError) || error.code !== "CONFLICT") throw error;
            results.push({ userId, outcome: "refused", reason: error.message });
            continue;
          }
        }
        const result = await insertEnrolment(
          ctx.db,
          {
            institutionId: ctx.institutionId,
            userId,
            courseId: course.id,
            cohortId: input.cohortId,
            source: "corporate_contract",
            status: "active",
            expiresAt,
            clientGroupId: contract.client_group_id,
            contractId: contract.id,
            statusReason: `Enrolled under ${contract.name}`,
            createdBy: ctx.session.user.id,
          },
          now,
        );
        if ("duplicate" in result) {
          results.push({
            userId,
            outcome: "already_enrolled",
            enrolmentId: result.duplicate.id,
            status: result.duplicate.status,
          });
          continue;
        }
        await recordAction(ctx, {
          action: "enrolment.created",
          targetType: "enrolment",
          targetId: result.created.id,
          after: {
            userId,
            courseId: course.id,
            cohortId: input.cohortId,
            source: "corporate_contract",
            contractId: contract.id,
            clientGroupId: contract.client_group_id,
            status: "active",
            expiresAt: expiresAt.toISOString(),
          },
        });
        results.push({ userId, outcome: "created", enrolmentId: result.created.id });
      }
      const count = (outcome: EnrolOutcome["outcome"]) => results.filter((result) => result.outcome === outcome).length;
      return {
        contractId: contract.id,
        courseId: course.id,
        created: count("created"),
        alreadyEnrolled: count("already_enrolled"),
        refused: count("refused"),
        results,
      };
    }),
});
