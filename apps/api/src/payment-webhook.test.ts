import { localPublicUrl as publicUrl } from "@learnops/api/context";
import { webhookSignatureHeaderValue } from "@learnops/auth/webhook-signature";
import { loadDemoData } from "@learnops/db/demo-data";
import { captureLog } from "@learnops/jobs/testing/log";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { beforeAll, describe, expect, it } from "vitest";
import { createServer } from "./server.ts";

// The route only; what events do is tested with receivePaymentEvent in packages/api/src/payments.test.ts.
const { appDb, db: ownerDb, jobs } = await setupTestJobQueue();
const secret = "whsec_route_test_secret";
const app = createServer({
  services: { db: appDb, jobs, publicUrl },
  log: captureLog().log,
  webAppsDir: null,
  paymentWebhookSecret: secret,
});

beforeAll(async () => {
  await loadDemoData(ownerDb);
});

describe("POST /webhooks/payments", () => {
  it("answers 503 while no secret is configured", async () => {
    const unconfigured = createServer({
      services: { db: appDb, jobs, publicUrl },
      log: captureLog().log,
      webAppsDir: null,
    });
    const response = await unconfigured.request("/webhooks/payments", { method: "POST", body: "{}" });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ message: "payments not configured" });
  });

  it("applies a signed event from the raw body and the LearnOps-Signature header", async () => {
    const pending = await ownerDb
      .selectFrom("enrolments")
      .select("id")
      .where("status", "=", "pending")
      .where("payment_state", "=", "pending")
      .executeTakeFirstOrThrow();
    // Deliberately not JSON.stringify's spacing: the signature covers the bytes as sent.
    const rawBody = `{ "id": "evt_route_1", "type": "payment.succeeded", "created": ${Math.floor(Date.now() / 1000)},
      "data": { "enrolmentId": "${pending.id}", "amountCents": 14900, "currency": "GBP" } }`;
    const response = await app.request("/webhooks/payments", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "LearnOps-Signature": webhookSignatureHeaderValue([secret], Math.floor(Date.now() / 1000), rawBody),
      },
      body: rawBody,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, outcome: "applied" });
    expect(
      await ownerDb.selectFrom("enrolments").select("status").where("id", "=", pending.id).executeTakeFirstOrThrow(),
    ).toEqual({ status: "active" });
  });

  it("answers 401 naming the problem for an unsigned request, and 413 for an oversized one", async () => {
    const unsigned = await app.request("/webhooks/payments", { method: "POST", body: "{}" });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: "UNAUTHORIZED", reason: "missing_header" });

    const huge = await app.request("/webhooks/payments", { method: "POST", body: "x".repeat(65 * 1024) });
    expect(huge.status).toBe(413);
  });
});
