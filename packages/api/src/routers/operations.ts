import { type WorkerCheck, workerCheckByIdInput } from "@learnops/contracts/operations";
import {
  findRecentWaitingWorkerCheck,
  findWorkerCheck,
  insertWorkerCheck,
  type WorkerCheckRow,
} from "@learnops/db/queries/worker-checks";
import { workerCheckJob } from "@learnops/jobs/queues";
import { sendJob } from "@learnops/jobs/send";
import { checkPlatformStatus } from "../readiness.ts";
import { notFound, publicProcedure, router } from "../trpc.ts";

/** A waiting check younger than this is answered instead of a new one, so repeated clicks enqueue one job. */
const workerCheckReuseSeconds = 5;

function toWorkerCheck(row: WorkerCheckRow): WorkerCheck {
  return {
    id: row.id,
    state: row.completed_at ? "completed" : "waiting",
    requestedAt: row.requested_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    workedBy: row.worked_by,
    latencyMs: row.completed_at ? row.completed_at.getTime() - row.requested_at.getTime() : null,
  };
}

// Until roles exist (identity and tenancy), these are public: they reveal no personal data, and the
// worker check is bounded to one job per few seconds. They move behind a platform-operator procedure then.
export const operationsRouter = router({
  /**
   * A client's connectivity check: answers without touching the database, so it tells "the API is
   * reachable" apart from "the platform is healthy" (that is `status`). Also the benchmarks' tRPC baseline.
   */
  ping: publicProcedure.query(() => ({ ok: true as const })),

  status: publicProcedure.query(({ ctx }) => checkPlatformStatus(ctx)),

  /** Asks a worker to prove it is picking up jobs; poll `workerCheckById` for the answer. */
  requestWorkerCheck: publicProcedure.mutation(async ({ ctx }) => {
    const check = await ctx.db.transaction().execute(async (trx) => {
      const waiting = await findRecentWaitingWorkerCheck(trx, workerCheckReuseSeconds);
      if (waiting) return waiting;
      const created = await insertWorkerCheck(trx);
      // Enqueued in the same transaction: the check row and its job exist together or not at all.
      await sendJob(ctx.jobs, workerCheckJob, { checkId: created.id }, { transaction: trx });
      return created;
    });
    return toWorkerCheck(check);
  }),

  workerCheckById: publicProcedure.input(workerCheckByIdInput).query(async ({ ctx, input }) => {
    const check = await findWorkerCheck(ctx.db, input.id);
    if (!check) throw notFound("Worker check");
    return toWorkerCheck(check);
  }),
});
