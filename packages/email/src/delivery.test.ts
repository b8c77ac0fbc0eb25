import { setupTestDatabase } from "@learnops/db/testing/database";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { deliverEmail } from "./delivery.ts";
import { type EmailMessage, queueEmail } from "./outbox.ts";
import { passwordResetEmail } from "./templates.ts";
import { mockResend } from "./testing/resend.ts";
import { createLogTransport, createResendTransport } from "./transport.ts";

const { db, appDb } = await setupTestDatabase();
const resend = mockResend();
const log = pino({ level: "silent" });
const transport = createResendTransport({ apiKey: "re_test_key", from: "Northwind <no-reply@learn.example.edu>" });
const resetUrl = "https://learn.example.edu/learn/reset-password?token=abcdefghijklmnopqrstuvwxyz234567";

const ada = await db
  .insertInto("users")
  .values({ email: "ada@example.org", display_name: "Ada Okafor" })
  .returning("id")
  .executeTakeFirstOrThrow();

function resetMessage(): EmailMessage {
  return {
    kind: "password_reset",
    userId: ada.id,
    to: "ada@example.org",
    ...passwordResetEmail({
      displayName: "Ada Okafor",
      institutionName: "Northwind Health Academy",
      resetUrl,
      validForMinutes: 60,
    }),
  };
}

/** Queues a message as the API does, as the application role; the enqueued ids are collected. */
async function queued(): Promise<string> {
  const enqueued: string[] = [];
  const id = await appDb.transaction().execute((trx) =>
    queueEmail(trx, resetMessage(), async (outboxId) => {
      enqueued.push(outboxId);
    }),
  );
  expect(enqueued).toEqual([id]);
  return id;
}

const outboxRow = (id: string) =>
  db.selectFrom("email_outbox").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

describe("the outbox", () => {
  it("is written only inside a transaction, and together with its delivery job or not at all", async () => {
    await expect(queueEmail(appDb, resetMessage(), async () => {})).rejects.toThrow(/transaction/);
    await expect(
      appDb.transaction().execute((trx) =>
        queueEmail(trx, resetMessage(), async () => {
          throw new Error("the job could not be enqueued");
        }),
      ),
    ).rejects.toThrow("the job could not be enqueued");
    expect(await db.selectFrom("email_outbox").select("id").execute()).toEqual([]);

    const id = await queued();
    expect(await outboxRow(id)).toMatchObject({
      kind: "password_reset",
      user_id: ada.id,
      to_address: "ada@example.org",
      subject: "Reset your password for Northwind Health Academy",
      sent_at: null,
      attempts: 0,
    });
  });
});

describe("delivery through Resend", () => {
  it("posts the message to Resend once, then marks the row sent with Resend's id and erases the bodies", async () => {
    const id = await queued();
    const outcome = await deliverEmail(appDb, transport, id, log);

    expect(resend.requests).toHaveLength(1);
    const [request] = resend.requests;
    expect(request?.authorization).toBe("Bearer re_test_key");
    expect(request?.idempotencyKey).toBe(`email-outbox/${id}`);
    expect(request?.body).toMatchObject({
      from: "Northwind <no-reply@learn.example.edu>",
      to: "ada@example.org",
      subject: "Reset your password for Northwind Health Academy",
    });
    expect(request?.body.text).toContain(resetUrl);
    expect(request?.body.html).toContain(`href="${resetUrl}"`);

    expect(outcome).toEqual({ outcome: "sent", provider: "resend", providerMessageId: request?.answeredId });
    expect(await outboxRow(id)).toMatchObject({
      sent_at: expect.any(Date),
      provider: "resend",
      provider_message_id: request?.answeredId,
      text_body: null,
      html_body: null,
      attempts: 1,
      last_error: null,
    });
  });

  it("sends nothing when the job is delivered again after success", async () => {
    const id = await queued();
    await deliverEmail(appDb, transport, id, log);
    const first = await outboxRow(id);

    const again = await deliverEmail(appDb, transport, id, log);
    expect(again).toEqual({
      outcome: "already_sent",
      provider: "resend",
      providerMessageId: first.provider_message_id,
    });
    expect(resend.requests).toHaveLength(1);
    expect(await outboxRow(id)).toEqual(first);
  });

  it("leaves the row unsent and records the failure when Resend answers 500, so the job is retried", async () => {
    const id = await queued();
    resend.failNext(1, 500);
    await expect(deliverEmail(appDb, transport, id, log)).rejects.toThrow(/Resend refused the message \(500/);
    expect(await outboxRow(id)).toMatchObject({
      sent_at: null,
      provider: null,
      attempts: 1,
      last_attempt_at: expect.any(Date),
      last_error: expect.stringMatching(/500 internal_server_error/),
    });
    expect((await outboxRow(id)).text_body).toContain(resetUrl);

    // The retry sends it, under the same idempotency key.
    await expect(deliverEmail(appDb, transport, id, log)).resolves.toMatchObject({ outcome: "sent" });
    expect(resend.requests.map((request) => request.idempotencyKey)).toEqual([
      `email-outbox/${id}`,
      `email-outbox/${id}`,
    ]);
    expect(await outboxRow(id)).toMatchObject({ attempts: 2, last_error: null, provider: "resend" });
  });

  it("completes without sending when the row is gone (its person was deleted)", async () => {
    await expect(deliverEmail(appDb, transport, "5f0c8e1a-3a43-4c2b-9a8e-0d1f2a3b4c5d", log)).resolves.toEqual({
      outcome: "missing",
    });
    expect(resend.requests).toEqual([]);
  });

  it("never lets a request through to the network", async () => {
    await expect(fetch("https://example.org/")).rejects.toThrow();
  });
});

describe("delivery without a provider (development)", () => {
  it("writes the message, link included, to the log, says it was not sent, and marks the row as logged", async () => {
    const entries: Record<string, unknown>[] = [];
    const capture = pino({ level: "info" }, { write: (line: string) => entries.push(JSON.parse(line)) });
    const id = await queued();

    await expect(
      deliverEmail(appDb, createLogTransport({ from: "LearnOps <no-reply@learnops.localhost>" }), id, capture),
    ).resolves.toEqual({ outcome: "sent", provider: "log", providerMessageId: null });

    const logged = entries.find((entry) => entry.level === 40);
    expect(logged?.msg).toBe("email NOT sent: RESEND_API_KEY is not set, so the message was only written to this log");
    expect(logged?.email).toMatchObject({ to: "ada@example.org", text: expect.stringContaining(resetUrl) });
    expect(resend.requests).toEqual([]);
    expect(await outboxRow(id)).toMatchObject({
      provider: "log",
      provider_message_id: null,
      sent_at: expect.any(Date),
    });
  });
});
