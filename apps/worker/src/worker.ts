import os from "node:os";
import { createDatabase } from "@learnops/db/client";
import { createEmailTransport } from "@learnops/email/transport";
import { workAllQueues } from "@learnops/jobs/handlers";
import { startJobQueue } from "@learnops/jobs/queue";
import {
  enrolmentExpiryJob,
  enrolmentExpirySchedule,
  serviceProviderKeyRenewalJob,
  serviceProviderKeyRenewalSchedule,
} from "@learnops/jobs/queues";
import type { Logger } from "pino";
import type { WorkerEnv } from "./env.ts";
import { progressRecomputeRegistration } from "./progress-recompute.ts";

export interface RunningWorker {
  workerId: string;
  /** Stops fetching, lets jobs in flight finish (up to the timeout), then closes connections. */
  stop(): Promise<void>;
}

export async function startWorker(env: WorkerEnv, log: Logger): Promise<RunningWorker> {
  const workerId = `${os.hostname()}:${process.pid}`;
  const db = createDatabase(env.DATABASE_URL, {
    maxConnections: env.DATABASE_POOL_SIZE,
    applicationName: "learnops-worker",
  });
  const boss = await startJobQueue({ connectionString: env.DATABASE_URL, role: "worker", log });
  const emailTransport = createEmailTransport(env.email);
  await workAllQueues(
    boss,
    { db, log, workerId, emailTransport, publicUrl: env.PUBLIC_URL ?? null },
    { batchSize: env.WORKER_BATCH_SIZE, localConcurrency: env.WORKER_CONCURRENCY },
    [progressRecomputeRegistration(boss)],
  );
  // Kept in pg-boss's schedule table: every worker sets the same one, and one job is made per tick.
  await boss.schedule(enrolmentExpiryJob.queue, enrolmentExpirySchedule, {});
  await boss.schedule(serviceProviderKeyRenewalJob.queue, serviceProviderKeyRenewalSchedule, {});
  log.info({ workerId, emailTransport: emailTransport.name }, "worker started");

  return {
    workerId,
    async stop() {
      await boss
        .stop({ graceful: true, close: true, timeout: env.SHUTDOWN_TIMEOUT_SECONDS * 1000 })
        .catch((error) => log.warn({ err: error }, "job queue stop"));
      await db.destroy().catch((error) => log.warn({ err: error }, "database pool close"));
      log.info({ workerId }, "worker stopped");
    },
  };
}
