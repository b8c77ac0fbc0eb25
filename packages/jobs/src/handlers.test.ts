import { insertWorkerCheck } from "@learnops/db/queries/worker-checks";
import { createLogTransport } from "@learnops/email/transport";
import { expect, it } from "vitest";
import { registrations, runBatch } from "./handlers.ts";
import { workerCheckJob } from "./queues.ts";
import { captureLog } from "./testing/log.ts";
import { setupTestJobQueue } from "./testing/queue.ts";

const { db } = await setupTestJobQueue();
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
