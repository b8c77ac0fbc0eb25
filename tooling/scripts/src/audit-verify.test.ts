import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { demoInstitutions, loadDemoData } from "@learnops/db/demo-data";
import { appendAuditEvent } from "@learnops/db/queries/audit";
import { withTenant } from "@learnops/db/tenancy";
import { setupTestDatabase } from "@learnops/db/testing/database";
import { sql } from "kysely";
import { expect, it } from "vitest";

const run = promisify(execFile);
const script = path.join(import.meta.dirname, "audit-verify.ts");
const { db, url } = await setupTestDatabase();

it("reports every chain intact, then names the chain and event that was tampered with and exits 1", async () => {
  await loadDemoData(db);
  const northwind = await db
    .selectFrom("institutions")
    .select("id")
    .where("slug", "=", "northwind-health")
    .executeTakeFirstOrThrow();
  for (const action of ["membership.created", "membership.switched"]) {
    await withTenant(db, { institutionId: northwind.id }, (trx) =>
      appendAuditEvent(trx, { institutionId: northwind.id, action }),
    );
  }

  const intact = await run(process.execPath, [script], { env: { ...process.env, DATABASE_URL: url } });
  expect(intact.stdout).toContain(`All ${demoInstitutions.length + 1} audit chains are intact.`);

  await db.transaction().execute(async (trx) => {
    await sql`alter table audit_events disable trigger audit_events_immutable`.execute(trx);
    await sql`delete from audit_events where institution_id = ${northwind.id} and sequence = 1`.execute(trx);
    await sql`alter table audit_events enable trigger audit_events_immutable`.execute(trx);
  });
  const broken = await run(process.execPath, [script], { env: { ...process.env, DATABASE_URL: url } }).then(
    () => null,
    (error: { code: number; stdout: string }) => error,
  );
  expect(broken?.code).toBe(1);
  expect(broken?.stdout).toContain(
    "northwind-health: event 2: previous hash does not match the event before (removed or reordered)",
  );
  expect(broken?.stdout).toContain("1 of 4 audit chains are broken.");
});
