import { loadDemoData } from "@learnops/db/demo-data";
import { insertWorkerCheck } from "@learnops/db/queries/worker-checks";
import { withTenant } from "@learnops/db/tenancy";
import { createLogTransport } from "@learnops/email/transport";
import { expect, it } from "vitest";
import { registrations, runBatch } from "./handlers.ts";
import { enrolmentExpiryJob, workerCheckJob } from "./queues.ts";
import { captureLog } from "./testing/log.ts";
import { setupTestJobQueue } from "./testing/queue.ts";

const { db, appDb } = await setupTestJobQueue();
const emailTransport = createLogTransport({ from: "LearnOps <no-reply@learnops.localhost>" });
const workerCheck = registrations.find((registration) => registration.definition === workerCheckJob);
if (!workerCheck) throw new Error("worker-check has no handler");

it("completes good jobs, dead-letters unparseable payloads and fails only the job that threw", async () => {
  const { log, entries } = captureLog();
  const check = await insertWorkerCheck(db);
  const destroyed = { ...workerCheck, handle: async () => Promise.reject(new Error("database went away")) };

  const results = await runBatch(
    workerCheck,
    [
      { id: "job-good", data: { checkId: check.id } },
      { id: "job-bad", data: { checkId: 42 } },
    ],
    { db, log, workerId: "test:1", emailTransport },
  );
  expect(results).toEqual([
    { id: "job-good", status: "completed", output: { found: true } },
    {
      id: "job-bad",
      status: "deadletter",
      output: { error: "invalid payload", issues: [{ path: "checkId", message: expect.any(String) }] },
    },
  ]);

  const failed = await runBatch(destroyed, [{ id: "job-x", data: { checkId: check.id } }], {
    db,
    log,
    workerId: "test:1",
    emailTransport,
  });
  expect(failed).toEqual([{ id: "job-x", status: "failed", output: { error: "database went away" } }]);
  expect(entries.filter((entry) => entry.level === 50).map((entry) => [entry.jobId, entry.msg])).toEqual([
    ["job-bad", "job payload rejected"],
    ["job-x", "job failed"],
  ]);
});

it("ends enrolments whose access period has run out, once, audited, and leaves the others", async () => {
  await loadDemoData(db);
  const expiry = registrations.find((registration) => registration.definition === enrolmentExpiryJob);
  if (!expiry) throw new Error("enrolment-expiry has no handler");
  const northwind = (
    await db.selectFrom("institutions").select("id").where("slug", "=", "northwind-health").executeTakeFirstOrThrow()
  ).id;
  const hour = 60 * 60 * 1000;
  const enrolments = await withTenant(db, { institutionId: northwind }, async (trx) => {
    const course = await trx
      .insertInto("courses")
      .values({ institution_id: northwind, code: "expiry-sweep", title: "Expiry sweep", status: "published" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const enrol = async (name: string, status: "active" | "suspended", expiresAt: Date | null) => {
      const user = await trx
        .insertInto("users")
        .values({ email: `${name}@expiry.example.org`, display_name: name, email_verified_at: new Date() })
        .returning("id")
        .executeTakeFirstOrThrow();
      return (
        await trx
          .insertInto("enrolments")
          .values({
            institution_id: northwind,
            user_id: user.id,
            course_id: course.id,
            source: "manual_grant",
            status,
            status_reason: "Expiry sweep test",
            expires_at: expiresAt,
          })
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id;
    };
    return {
      lapsed: await enrol("lapsed", "active", new Date(Date.now() - hour)),
      running: await enrol("running", "active", new Date(Date.now() + hour)),
      open: await enrol("open-ended", "active", null),
      suspended: await enrol("suspended", "suspended", new Date(Date.now() - hour)),
    };
  });
  const context = { db: appDb, log: captureLog().log, workerId: "test:1", emailTransport };
  const statusOf = async (id: string) =>
    (await db.selectFrom("enrolments").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status;

  // Through the application role, under row-level security, as the worker runs it.
  const [first] = await runBatch(expiry, [{ id: "sweep-1", data: {} }], context);
  expect(first).toMatchObject({
    status: "completed",
    output: { institutions: expect.arrayContaining([{ institutionId: northwind, expired: expect.any(Number) }]) },
  });
  expect(await statusOf(enrolments.lapsed)).toBe("expired");
  expect(await statusOf(enrolments.running)).toBe("active");
  expect(await statusOf(enrolments.open)).toBe("active");
  expect(await statusOf(enrolments.suspended)).toBe("suspended");
  const audited = await db
    .selectFrom("audit_events")
    .select(["action", "actor_user_id", "after"])
    .where("target_id", "=", enrolments.lapsed)
    .execute();
  expect(audited).toEqual([
    { action: "enrolment.expired", actor_user_id: null, after: expect.objectContaining({ status: "expired" }) },
  ]);

  // Nothing is left to end: a second sweep changes nothing and audits nothing more.
  const [second] = await runBatch(expiry, [{ id: "sweep-2", data: {} }], context);
  expect(second).toMatchObject({ status: "completed", output: { institutions: [] } });
  expect(
    await db.selectFrom("audit_events").select("id").where("target_id", "=", enrolments.lapsed).execute(),
  ).toHaveLength(1);
});
