import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { workerCheckJob } from "./queues.ts";
import { sendJob } from "./send.ts";
import { setupTestJobQueue } from "./testing/queue.ts";

const { db, jobs } = await setupTestJobQueue();

async function queuedPayloads(queue: string): Promise<unknown[]> {
  const { rows } = await sql<{
    data: unknown;
  }>`select data from pgboss.job where name = ${queue} order by created_on`.execute(db);
  return rows.map((row) => row.data);
}

describe("sendJob", () => {
  it("refuses a payload that breaks the queue's contract, before anything is queued", async () => {
    await expect(sendJob(jobs, workerCheckJob, { checkId: "not-a-uuid" })).rejects.toThrow(/checkId/);
    expect(await queuedPayloads(workerCheckJob.queue)).toEqual([]);
  });

  it("queues nothing when the transaction it was sent in rolls back", async () => {
    const checkId = "4b6f0a8e-6d4f-4c57-9a59-1f0a3f6f2a10";
    await db
      .transaction()
      .execute(async (trx) => {
        await sendJob(jobs, workerCheckJob, { checkId }, { transaction: trx });
        throw new Error("the data change failed");
      })
      .catch(() => {});
    expect(await queuedPayloads(workerCheckJob.queue)).toEqual([]);

    await db.transaction().execute((trx) => sendJob(jobs, workerCheckJob, { checkId }, { transaction: trx }));
    expect(await queuedPayloads(workerCheckJob.queue)).toEqual([{ checkId }]);
  });
});
