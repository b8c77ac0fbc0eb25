import { type Selectable, sql } from "kysely";
import type { Database } from "../client.ts";
import type { Enrolments } from "../schema.ts";
import { withTenant } from "../tenancy.ts";
import { appendAuditEvent } from "./audit.ts";

export type EnrolmentRow = Selectable<Enrolments>;

/** The statuses in which an enrolment is live: at most one per learner and course (a partial unique index). */
export const liveStatuses = ["pending", "active", "suspended", "review_required"] as const;

export interface NewEnrolment {
  institutionId: string;
  userId: string;
  courseId: string;
  cohortId?: string | null;
  source: EnrolmentRow["source"];
  status: "pending" | "active" | "review_required";
  paymentState?: "not_required" | "pending" | "paid";
  expiresAt?: Date | null;
  clientGroupId?: string | null;
  contractId?: string | null;
  promotionId?: string | null;
  statusReason?: string | null;
  createdBy?: string | null;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    error.code === "23505" &&
    "constraint" in error &&
    error.constraint === constraint
  );
}

/**
 * Inserts an enrolment, or returns `{ duplicate }` naming the learner's live enrolment in the course when
 * there is one: the partial unique index decides, so two concurrent grants cannot both succeed. Runs in a
 * savepoint of the caller's transaction (it must be given one), so a duplicate leaves that transaction usable.
 */
export async function insertEnrolment(
  db: Database,
  enrolment: NewEnrolment,
  now: Date,
): Promise<{ created: EnrolmentRow } | { duplicate: EnrolmentRow }> {
  const values = {
    institution_id: enrolment.institutionId,
    user_id: enrolment.userId,
    course_id: enrolment.courseId,
    cohort_id: enrolment.cohortId ?? null,
    source: enrolment.source,
    status: enrolment.status,
    payment_state: enrolment.paymentState ?? "not_required",
    payment_state_since: enrolment.paymentState && enrolment.paymentState !== "not_required" ? now : null,
    expires_at: enrolment.expiresAt ?? null,
    client_group_id: enrolment.clientGroupId ?? null,
    contract_id: enrolment.contractId ?? null,
    promotion_id: enrolment.promotionId ?? null,
    status_reason: enrolment.statusReason ?? null,
    created_by: enrolment.createdBy ?? null,
    created_at: now,
    updated_at: now,
  };
  if (!db.isTransaction) throw new Error("insertEnrolment runs inside a transaction");
  await sql`savepoint insert_enrolment`.execute(db);
  try {
    const created = await db.insertInto("enrolments").values(values).returningAll().executeTakeFirstOrThrow();
    await sql`release savepoint insert_enrolment`.execute(db);
    return { created };
  } catch (error) {
    if (!isUniqueViolation(error, "enrolments_one_live_idx")) throw error;
    await sql`rollback to savepoint insert_enrolment`.execute(db);
    const live = await findLiveEnrolment(db, enrolment.userId, enrolment.courseId);
    if (!live) throw error;
    return { duplicate: live };
  }
}

export function findEnrolment(db: Database, enrolmentId: string) {
  return db.selectFrom("enrolments").selectAll().where("id", "=", enrolmentId).executeTakeFirst();
}

/** Locks the enrolment for the rest of the transaction: status changes read, decide and write it in turn. */
export function findEnrolmentForUpdate(db: Database, enrolmentId: string) {
  return db.selectFrom("enrolments").selectAll().where("id", "=", enrolmentId).forUpdate().executeTakeFirst();
}

export function findLiveEnrolment(db: Database, userId: string, courseId: string) {
  return db
    .selectFrom("enrolments")
    .selectAll()
    .where("user_id", "=", userId)
    .where("course_id", "=", courseId)
    .where("status", "in", liveStatuses)
    .executeTakeFirst();
}

/** Enrolments of the transaction's institution with the learner, course and cohort they name, newest first. */
export function listEnrolments(
  db: Database,
  filter: {
    enrolmentId?: string | undefined;
    courseId?: string | undefined;
    cohortId?: string | undefined;
    userId?: string | undefined;
    status?: EnrolmentRow["status"] | undefined;
    clientGroupId?: string | null | undefined;
    /** Keyset: the (created_at, id) of the last row of the previous page. */
    before?: { createdAt: Date; id: string } | undefined;
    limit: number;
  },
) {
  return db
    .selectFrom("enrolments")
    .innerJoin("courses", "courses.id", "enrolments.course_id")
    .innerJoin("users", "users.id", "enrolments.user_id")
    .leftJoin("cohorts", "cohorts.id", "enrolments.cohort_id")
    .select([
      "enrolments.id",
      "enrolments.user_id",
      "enrolments.course_id",
      "enrolments.cohort_id",
      "enrolments.source",
      "enrolments.status",
      "enrolments.payment_state",
      "enrolments.payment_state_since",
      "enrolments.expires_at",
      "enrolments.client_group_id",
      "enrolments.status_reason",
      "enrolments.created_at",
      "enrolments.updated_at",
      "courses.code as course_code",
      "courses.title as course_title",
      "cohorts.name as cohort_name",
      "users.display_name",
      "users.email",
    ])
    .$if(filter.enrolmentId !== undefined, (qb) => qb.where("enrolments.id", "=", filter.enrolmentId ?? ""))
    .$if(filter.courseId !== undefined, (qb) => qb.where("enrolments.course_id", "=", filter.courseId ?? ""))
    .$if(filter.cohortId !== undefined, (qb) => qb.where("enrolments.cohort_id", "=", filter.cohortId ?? ""))
    .$if(filter.userId !== undefined, (qb) => qb.where("enrolments.user_id", "=", filter.userId ?? ""))
    .$if(filter.status !== undefined, (qb) => qb.where("enrolments.status", "=", filter.status ?? "active"))
    .$if(Boolean(filter.clientGroupId), (qb) => qb.where("enrolments.client_group_id", "=", filter.clientGroupId ?? ""))
    .$if(filter.before !== undefined, (qb) =>
      qb.where((eb) =>
        eb(
          eb.refTuple("enrolments.created_at", "enrolments.id"),
          "<",
          eb.tuple(filter.before?.createdAt ?? new Date(0), filter.before?.id ?? ""),
        ),
      ),
    )
    .orderBy("enrolments.created_at", "desc")
    .orderBy("enrolments.id", "desc")
    .limit(filter.limit)
    .execute();
}

export type ListedEnrolment = Awaited<ReturnType<typeof listEnrolments>>[number];

/** Changes an enrolment's status (and what goes with it), stamping when and why. */
export async function updateEnrolment(
  db: Database,
  enrolmentId: string,
  changes: Partial<
    Pick<
      EnrolmentRow,
      | "status"
      | "status_reason"
      | "expires_at"
      | "cohort_id"
      | "course_id"
      | "payment_state"
      | "payment_state_since"
      | "completed_at"
    >
  >,
  now: Date,
): Promise<EnrolmentRow> {
  return db
    .updateTable("enrolments")
    .set({ ...changes, updated_at: now })
    .where("id", "=", enrolmentId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** How many lapsed enrolments one transaction ends: the locks it holds stay few and short. */
const expiryChunk = 500;

/**
 * Ends the enrolments whose access has run out: an `active` one whose `expires_at` has passed becomes
 * `expired`, each audited as a system action (no actor) in its institution's chain, institution by
 * institution in tenant transactions of at most 500. Suspended and pending ones keep their status (someone
 * decides about them); an extension (`enrolments.extend`) reopens an expired one. Returns how many were
 * ended in each institution that had any. Idempotent.
 */
export async function expireLapsedEnrolments(
  db: Database,
  now: Date,
): Promise<{ institutionId: string; expired: number }[]> {
  const institutions = await db.selectFrom("institutions").select("id").orderBy("id").execute();
  const ended: { institutionId: string; expired: number }[] = [];
  for (const { id: institutionId } of institutions) {
    let expired = 0;
    for (let chunk = expiryChunk; chunk === expiryChunk; ) {
      const rows = await withTenant(db, { institutionId }, async (trx) => {
        const lapsed = await trx
          .updateTable("enrolments")
          .set({ status: "expired", status_reason: "Access period ended", updated_at: now })
          .where(
            "id",
            "in",
            trx
              .selectFrom("enrolments")
              .select("id")
              .where("status", "=", "active")
              .where("expires_at", "<=", now)
              .limit(expiryChunk)
              .forUpdate()
              .skipLocked(),
          )
          .returning(["id", "expires_at"])
          .execute();
        for (const row of lapsed) {
          await appendAuditEvent(trx, {
            institutionId,
            action: "enrolment.expired",
            actorUserId: null,
            targetType: "enrolment",
            targetId: row.id,
            before: { status: "active" },
            after: { status: "expired", expiresAt: row.expires_at?.toISOString() ?? null, by: "access period" },
          });
        }
        return lapsed.length;
      });
      expired += rows;
      chunk = rows;
    }
    if (expired) ended.push({ institutionId, expired });
  }
  return ended;
}
