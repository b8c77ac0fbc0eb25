import { loadDemoData } from "@learnops/db/demo-data";
import { insertServiceProviderKey } from "@learnops/db/queries/saml-service-provider-keys";
import { insertWorkerCheck } from "@learnops/db/queries/worker-checks";
import { withTenant } from "@learnops/db/tenancy";
import { createLogTransport } from "@learnops/email/transport";
import { expect, it } from "vitest";
import { registrations, runBatch } from "./handlers.ts";
import { enrolmentExpiryJob, serviceProviderKeyRenewalJob, workerCheckJob } from "./queues.ts";
import { captureLog } from "./testing/log.ts";
import { setupTestJobQueue } from "./testing/queue.ts";

const { db, appDb } = await setupTestJobQueue();
const emailTransport = createLogTransport({ from: "LearnOps <no-reply@learnops.localhost>" });

function registrationOf(definition: (typeof registrations)[number]["definition"]) {
  const found = registrations.find((registration) => registration.definition === definition);
  if (!found) throw new Error(`${definition.queue} has no handler`);
  return found;
}
const workerCheck = registrationOf(workerCheckJob);

/** The demo data's Northwind Health Academy, loaded afresh. */
async function demoNorthwind(): Promise<string> {
  await loadDemoData(db);
  const row = await db
    .selectFrom("institutions")
    .select("id")
    .where("slug", "=", "northwind-health")
    .executeTakeFirstOrThrow();
  return row.id;
}

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
  const expiry = registrationOf(enrolmentExpiryJob);
  const northwind = await demoNorthwind();
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

it("emails the people who manage single sign-on once per step as the service provider key nears its end", async () => {
  const renewal = registrationOf(serviceProviderKeyRenewalJob);
  const northwind = await demoNorthwind();
  const day = 24 * 60 * 60 * 1000;
  const now = new Date();
  const addKey = (status: "current" | "next", notAfter: Date) =>
    withTenant(db, { institutionId: northwind }, (trx) =>
      insertServiceProviderKey(trx, {
        institutionId: northwind,
        status,
        privateKey: `${status} private key`,
        certificate: `${status} certificate`,
        fingerprintSha256: Array.from({ length: 32 }, () => (status === "current" ? "0C" : "0D")).join(":"),
        notAfter,
        now,
      }),
    );
  await withTenant(db, { institutionId: northwind }, (trx) =>
    trx.deleteFrom("saml_service_provider_keys").where("institution_id", "=", northwind).execute(),
  );
  await addKey("current", new Date(now.getTime() + 30 * day));
  const { log, entries } = captureLog();
  const context = { db: appDb, log, workerId: "test:1", emailTransport, publicUrl: "https://learn.example.org" };
  const renewalEmails = () =>
    db
      .selectFrom("email_outbox")
      .select(["to_address", "subject", "sent_at"])
      .where("kind", "=", "service_provider_key_renewal")
      .orderBy("created_at")
      .orderBy("to_address")
      .execute();
  const northwindOf = (output: unknown) =>
    (output as { notified: { institutionId: string }[] }).notified.filter((entry) => entry.institutionId === northwind);

  // Through the application role, under row-level security, as the worker runs it: Chloé (course admin) is
  // told, with the days left; Northwind's learners and instructor are not.
  const [first] = await runBatch(renewal, [{ id: "renewal-1", data: {} }], context);
  expect(first?.status).toBe("completed");
  expect(northwindOf(first?.output)).toEqual([{ institutionId: northwind, step: "prepare", recipients: 1 }]);
  expect(await renewalEmails()).toEqual([
    {
      to_address: "chloe.admin@example.org",
      subject: "Single sign-on for Northwind Health Academy: the certificate runs out in 30 days",
      sent_at: expect.any(Date),
    },
  ]);
  // Sent (here: to the log), with a link to the console's single sign-on page.
  const sent = entries.flatMap((entry) => {
    const email = entry.email as { to: string; text: string } | undefined;
    return email ? [email] : [];
  });
  expect(sent).toEqual([
    expect.objectContaining({
      to: "chloe.admin@example.org",
      text: expect.stringContaining("https://learn.example.org/admin/single-sign-on"),
    }),
  ]);

  // The same step is not sent twice.
  const [second] = await runBatch(renewal, [{ id: "renewal-2", data: {} }], context);
  expect(northwindOf(second?.output)).toEqual([]);
  expect(await renewalEmails()).toHaveLength(1);

  // A next key that outlives the current one is prepared: the next step, switching, is sent once.
  await addKey("next", new Date(now.getTime() + 5 * 365 * day));
  const [third] = await runBatch(renewal, [{ id: "renewal-3", data: {} }], context);
  expect(northwindOf(third?.output)).toEqual([{ institutionId: northwind, step: "switch", recipients: 1 }]);
  const emails = await renewalEmails();
  expect(emails).toHaveLength(2);
  expect(emails[1]?.subject).toMatch(
    /^Single sign-on for Northwind Health Academy: switch to the next key before \d{4}-\d{2}-\d{2}$/,
  );
  expect(emails[1]?.sent_at).toEqual(expect.any(Date));
});
