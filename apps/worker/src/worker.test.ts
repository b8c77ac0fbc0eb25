import { spawn } from "node:child_process";
import path from "node:path";
import { createContextInner } from "@learnops/api/context";
import { createCaller } from "@learnops/api/root";
import { deadLetterQueue, workerCheckJob } from "@learnops/jobs/queues";
import { captureLog } from "@learnops/jobs/testing/log";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { waitFor } from "@learnops/jobs/testing/wait-for";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { readWorkerEnv } from "./env.ts";
import { startWorker } from "./worker.ts";

const { db, appDb, jobs, appUrl } = await setupTestJobQueue();
const api = createCaller(createContextInner({ db: appDb, jobs, log: captureLog().log, requestId: null }));

describe("the worker process", () => {
  it("works a job the API enqueued, then stops cleanly on SIGTERM", async () => {
    const requested = await api.operations.requestWorkerCheck();
    expect(requested.state).toBe("waiting");

    const worker = spawn(process.execPath, [path.join(import.meta.dirname, "main.ts")], {
      env: { PATH: process.env.PATH ?? "", DATABASE_URL: appUrl, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    worker.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => worker.once("exit", resolve));

    try {
      const answered = await waitFor(async () => {
        const check = await api.operations.workerCheckById({ id: requested.id });
        return check.state === "completed" ? check : undefined;
      }, `the worker to answer check ${requested.id}:\n${output}`);
      expect(answered.workedBy).toMatch(new RegExp(`:${worker.pid}$`));
      expect(answered.latencyMs).toBeGreaterThanOrEqual(0);
    } finally {
      worker.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"worker stopped"');
  });
});

describe("a job whose payload breaks its contract", () => {
  it("is dead-lettered at once, not retried", async () => {
    const { log, entries } = captureLog();
    const worker = await startWorker(readWorkerEnv({ DATABASE_URL: appUrl }), log);
    try {
      const jobId = await jobs.send(workerCheckJob.queue, { checkId: "not-a-uuid" });
      const failed = await waitFor(async () => {
        const { rows } = await sql<{ state: string; retry_count: number }>`
          select state, retry_count from pgboss.job where id = ${jobId}`.execute(db);
        return rows[0]?.state === "failed" ? rows[0] : undefined;
      }, "the bad job to fail");
      expect(failed.retry_count).toBe(0);

      const { rows: deadLetters } = await sql<{ data: unknown }>`
        select data from pgboss.job where name = ${deadLetterQueue}`.execute(db);
      expect(deadLetters.map((row) => row.data)).toEqual([{ checkId: "not-a-uuid" }]);
      expect(entries.find((entry) => entry.msg === "job payload rejected")).toMatchObject({ jobId, level: 50 });
    } finally {
      await worker.stop();
    }
  });
});
