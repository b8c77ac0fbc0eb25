import { startJobQueue } from "@learnops/jobs/queue";
import { workerCheckJob } from "@learnops/jobs/queues";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createContextInner } from "../context.ts";
import { createCaller } from "../root.ts";

const { db, appDb, jobs, appUrl } = await setupTestJobQueue();
const log = pino({ level: "silent" });
const api = createCaller(createContextInner({ db: appDb, jobs, log, requestId: null }));

async function queuedChecks(): Promise<unknown[]> {
  const { rows } = await sql<{ data: unknown }>`
    select data from pgboss.job where name = ${workerCheckJob.queue} order by created_on`.execute(db);
  return rows.map((row) => row.data);
}

describe("operations", () => {
  it("answers a ping without the database or the job queue", async () => {
    const stopped = await startJobQueue({ connectionString: appUrl, role: "sender", log });
    await stopped.stop({ graceful: false, close: true });
    const offline = createCaller(createContextInner({ db: appDb, jobs: stopped, log, requestId: null }));
    expect(await offline.operations.ping()).toEqual({ ok: true });
  });

  it("reports database and job queue up", async () => {
    expect(await api.operations.status()).toMatchObject({ database: "up", jobQueue: "up" });
  });

  it("reports the job queue down when pg-boss cannot reach its database", async () => {
    const stopped = await startJobQueue({ connectionString: appUrl, role: "sender", log });
    await stopped.stop({ graceful: false, close: true });
    const withStoppedQueue = createCaller(createContextInner({ db: appDb, jobs: stopped, log, requestId: null }));
    expect(await withStoppedQueue.operations.status()).toMatchObject({ database: "up", jobQueue: "down" });
  });

  it("queues one worker-check job with its row, and answers repeated requests with the waiting check", async () => {
    const first = await api.operations.requestWorkerCheck();
    expect(first).toMatchObject({ state: "waiting", completedAt: null, workedBy: null, latencyMs: null });
    expect(await queuedChecks()).toEqual([{ checkId: first.id }]);

    const again = await api.operations.requestWorkerCheck();
    expect(again.id).toBe(first.id);
    expect(await queuedChecks()).toHaveLength(1);
    expect(await api.operations.workerCheckById({ id: first.id })).toEqual(first);
  });

  it("answers NOT_FOUND for an unknown check and BAD_REQUEST for a malformed id", async () => {
    await expect(api.operations.workerCheckById({ id: "7d1c8c52-3f0e-4a57-8f43-3cbd8c4a7b11" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(api.operations.workerCheckById({ id: "42" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
