import { sql } from "kysely";
import type { Database } from "../client.ts";
import { withTenant } from "../tenancy.ts";
import { insertEnrolment } from "./enrolments.ts";

/** A row that passed the upload's checks, as stored until the worker applies it. */
export interface StoredImportRow {
  line: number;
  email: string;
  displayName: string | null;
  courseId: string;
  cohortId: string | null;
  contractId: string | null;
  expiresAt: string | null;
}

/** What an upload needs to look names up in: the institution's courses and cohorts, and a roster's contracts. */
export async function loadImportCatalogue(db: Database, params: { clientGroupId: string | null; today: string }) {
  const [courses, cohorts, contracts] = await Promise.all([
    db.selectFrom("courses").select(["id", "code", "title", "status"]).execute(),
    db.selectFrom("cohorts").select(["id", "course_id", "name", "ends_at"]).execute(),
    params.clientGroupId
      ? db
          .selectFrom("client_contracts")
          .innerJoin("client_contract_courses", "client_contract_courses.contract_id", "client_contracts.id")
          .select(["client_contracts.id", "client_contracts.name", "client_contract_courses.course_id"])
          .where("client_contracts.client_group_id", "=", params.clientGroupId)
          .where("client_contracts.status", "=", "active")
          .where(sql<boolean>`client_contracts.starts_on <= ${params.today}::date`)
          .where(sql<boolean>`client_contracts.ends_on >= ${params.today}::date`)
          .orderBy("client_contracts.ends_on", "desc")
          .execute()
      : Promise.resolve(null),
  ]);
  const contractsByCourse = contracts ? new Map<string, { id: string; name: string }>() : undefined;
  for (const contract of contracts ?? []) {
    if (!contractsByCourse?.has(contract.course_id)) contractsByCourse?.set(contract.course_id, contract);
  }
  return {
    courses: new Map(courses.map((course) => [course.code, course])),
    cohorts: new Map(
      cohorts.map((cohort) => [
        `${cohort.course_id}/${cohort.name.toLowerCase()}`,
        { ...cohort, endsAt: cohort.ends_at },
      ]),
    ),
    ...(contractsByCourse ? { contractsByCourse } : {}),
  };
}

const importColumns = [
  "id",
  "kind",
  "client_group_id",
  "file_name",
  "file_sha256",
  "status",
  "total_rows",
  "processed_rows",
  "created_rows",
  "unchanged_rows",
  "rejected_rows",
  "error",
  "created_by",
  "created_at",
  "completed_at",
] as const;

export function findEnrolmentImport(db: Database, importId: string) {
  return db.selectFrom("enrolment_imports").select(importColumns).where("id", "=", importId).executeTakeFirst();
}

export function listEnrolmentImports(db: Database, limit: number) {
  return db.selectFrom("enrolment_imports").select(importColumns).orderBy("created_at", "desc").limit(limit).execute();
}

export type EnrolmentImportRow = NonNullable<Awaited<ReturnType<typeof findEnrolmentImport>>>;

/** Rows applied per transaction: progress moves in these steps, and a crash repeats at most one of them. */
export const importChunkSize = 250;

/**
 * Applies a validated upload, a chunk of rows per transaction, from where it stopped: safe to run again
 * after a crash (a row applied twice finds its enrolment and counts it unchanged). Unknown addresses get an
 * account (without a password: "Forgot your password?" lets them choose one) and a learner membership; a
 * roster's learners join its client group. Returns the final counts.
 */
export async function applyEnrolmentImport(
  db: Database,
  params: { institutionId: string; importId: string },
  now: () => Date,
): Promise<{ status: string; created: number; unchanged: number } | null> {
  const start = await withTenant(db, { institutionId: params.institutionId }, (trx) =>
    trx
      .updateTable("enrolment_imports")
      .set({ status: "running" })
      .where("id", "=", params.importId)
      .where("status", "in", ["queued", "running"])
      .returning(["kind", "client_group_id", "created_by", "processed_rows", "rows"])
      .executeTakeFirst(),
  );
  if (!start) return null;
  const rows = start.rows as unknown as StoredImportRow[];
  for (let offset = start.processed_rows; offset < rows.length; offset += importChunkSize) {
    const chunk = rows.slice(offset, offset + importChunkSize);
    await withTenant(db, { institutionId: params.institutionId }, async (trx) => {
      let created = 0;
      let unchanged = 0;
      for (const row of chunk) {
        const userId = await learnerFor(trx, params.institutionId, row, start.client_group_id);
        const result = await insertEnrolment(
          trx,
          {
            institutionId: params.institutionId,
            userId,
            courseId: row.courseId,
            cohortId: row.cohortId,
            source: row.contractId ? "corporate_contract" : "import",
            status: "active",
            expiresAt: row.expiresAt ? new Date(row.expiresAt) : null,
            clientGroupId: start.client_group_id,
            contractId: row.contractId,
            statusReason: "Enrolled by bulk upload",
            createdBy: start.created_by,
          },
          now(),
        );
        if ("created" in result) created += 1;
        else unchanged += 1;
      }
      await trx
        .updateTable("enrolment_imports")
        .set((eb) => ({
          processed_rows: offset + chunk.length,
          created_rows: eb("created_rows", "+", created),
          unchanged_rows: eb("unchanged_rows", "+", unchanged),
        }))
        .where("id", "=", params.importId)
        .execute();
    });
  }
  return withTenant(db, { institutionId: params.institutionId }, async (trx) => {
    const done = await trx
      .updateTable("enrolment_imports")
      .set({ status: "completed", completed_at: now(), rows: "[]" })
      .where("id", "=", params.importId)
      .returning(["status", "created_rows", "unchanged_rows"])
      .executeTakeFirstOrThrow();
    return { status: done.status, created: done.created_rows, unchanged: done.unchanged_rows };
  });
}

/** The learner a row names: found by address, or added; with a learner membership here (in the roster's group). */
async function learnerFor(
  db: Database,
  institutionId: string,
  row: StoredImportRow,
  clientGroupId: string | null,
): Promise<string> {
  const user =
    (await db.selectFrom("users").select("id").where("email", "=", row.email).executeTakeFirst()) ??
    (await db
      .insertInto("users")
      .values({ email: row.email, display_name: row.displayName ?? row.email.split("@")[0] ?? row.email })
      .onConflict((oc) => oc.column("email").doUpdateSet((eb) => ({ email: eb.ref("excluded.email") })))
      .returning("id")
      .executeTakeFirstOrThrow());
  await db
    .insertInto("memberships")
    .values({ institution_id: institutionId, user_id: user.id, role: "learner", client_group_id: clientGroupId })
    .onConflict((oc) =>
      clientGroupId
        ? oc.columns(["institution_id", "user_id", "role"]).doUpdateSet({ client_group_id: clientGroupId })
        : oc.columns(["institution_id", "user_id", "role"]).doNothing(),
    )
    .execute();
  return user.id;
}
