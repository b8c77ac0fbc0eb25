import { queueEmail } from "@learnops/email/outbox";
import { passwordResetEmail } from "@learnops/email/templates";
import { mockResend } from "@learnops/email/testing/resend";
import { createResendTransport } from "@learnops/email/transport";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workAllQueues } from "./handlers.ts";
import { startJobQueue } from "./queue.ts";
import { emailDeliveryJob } from "./queues.ts";
import { sendJob } from "./send.ts";
import { setupTestJobQueue } from "./testing/queue.ts";
import { waitFor } from "./testing/wait-for.ts";

const { db, appDb, appUrl, jobs } = await setupTestJobQueue();
const resend = mockResend();
const log = pino({ level: "silent" });
const resetUrl = "https://learn.example.edu/learn/reset-password?token=abcdefghijklmnopqrstuvwxyz234567";

const worker = await startJobQueue({ connectionString: appUrl, role: "worker", log });
afterAll(() => worker.stop({ graceful: false, close: true }));

beforeAll(async () => {
  await workAllQueues(
    worker,
    {
      db: appDb,
      log,
      workerId: "test:1",
      emailTransport: createResendTransport({ apiKey: "re_test_key", from: "LearnOps <no-reply@learn.example.edu>" }),
    },
    { batchSize: 5, localConcurrency: 1 },
  );
});

async function jobInState(jobId: string, state: string) {
  const { rows } = await sql<{ state: string; retry_count: number; output: unknown }>`
    select state, retry_count, output from pgboss.job where id = ${jobId}`.execute(db);
  return rows[0]?.state === state ? rows[0] : undefined;
}

/** What the API does: the outbox row and its delivery job, in one transaction as the application role. */
async function queueResetEmail(): Promise<{ outboxId: string; jobId: string }> {
  const user = await db
    .insertInto("users")
    .values({ email: `ada.${Date.now()}@example.org`, display_name: "Ada Okafor" })
    .returning(["id", "email"])
    .executeTakeFirstOrThrow();
  let jobId = "";
  const outboxId = await appDb.transaction().execute((trx) =>
    queueEmail(
      trx,
      {
        kind: "password_reset",
        userId: user.id,
        to: user.email,
        ...passwordResetEmail({ displayName: "Ada Okafor", institutionName: null, resetUrl, validForMinutes: 60 }),
      },
      async (id, transaction) => {
        jobId = await sendJob(jobs, emailDeliveryJob, { outboxId: id }, { transaction });
      },
    ),
  );
  return { outboxId, jobId };
}

const outboxRow = (id: string) =>
  db
    .selectFrom("email_outbox")
    .select(["sent_at", "attempts", "last_error", "provider_message_id"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();

describe("the email-delivery job", () => {
  it("is retried by the queue when Resend answers 500, and sends the message on the retry", async () => {
    resend.failNext(1, 500);
    const { outboxId, jobId } = await queueResetEmail();

    // pg-boss keeps a failed job with retries left in `retry`, due after the backoff; fetching it counts the retry.
    await waitFor(() => jobInState(jobId, "retry"), "the job to wait for its retry");
    expect(await outboxRow(outboxId)).toMatchObject({
      sent_at: null,
      attempts: 1,
      last_error: expect.stringMatching(/500/),
    });

    // Rather than wait out the backoff, make the retry due now (pg-boss wakes the worker for it).
    await jobs.update(emailDeliveryJob.queue, undefined, { id: jobId, startAfter: new Date() });
    const completed = await waitFor(() => jobInState(jobId, "completed"), "the retried job to complete");
    expect(completed).toMatchObject({ retry_count: 1, output: { outcome: "sent", provider: "resend" } });
    expect(resend.requests).toHaveLength(2);
    expect(resend.requests[1]?.body.text).toContain(resetUrl);
    expect(await outboxRow(outboxId)).toMatchObject({
      sent_at: expect.any(Date),
      attempts: 2,
      provider_message_id: resend.requests[1]?.answeredId,
    });
  });

  it("sends nothing when a job for an already sent message is delivered again", async () => {
    const { outboxId, jobId } = await queueResetEmail();
    await waitFor(() => jobInState(jobId, "completed"), "the first delivery");
    expect(resend.requests).toHaveLength(1);

    const again = await sendJob(jobs, emailDeliveryJob, { outboxId });
    const completed = await waitFor(() => jobInState(again, "completed"), "the redelivered job");
    expect(completed.output).toMatchObject({ outcome: "already_sent" });
    expect(resend.requests).toHaveLength(1);
  });
});
