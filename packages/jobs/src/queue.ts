import { PgBoss } from "pg-boss";
import type { Logger } from "pino";
import { deadLetterQueue, jobDefinitions } from "./queues.ts";

export interface JobQueueOptions {
  connectionString: string;
  /** `worker` also runs pg-boss's maintenance and scheduling; senders (the API) leave that to workers. */
  role: "sender" | "worker";
  log: Logger;
  maxConnections?: number;
}

/**
 * Starts pg-boss in the platform's database (its own `pgboss` schema, created or upgraded on first start)
 * and makes sure every queue the code knows exists with the options the code declares.
 */
export async function startJobQueue(options: JobQueueOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: options.connectionString,
    application_name: `learnops-${options.role}-jobs`,
    max: options.maxConnections ?? 4,
    // Workers are woken by NOTIFY the moment a job is created instead of waiting out the polling interval.
    useListenNotify: options.role === "worker",
    supervise: options.role === "worker",
    schedule: options.role === "worker",
  });
  boss.on("error", (error) => options.log.error({ err: error }, "job queue error"));
  boss.on("warning", (warning) => options.log.warn({ warning }, "job queue warning"));
  await boss.start();
  try {
    await ensureQueues(boss);
  } catch (error) {
    await boss.stop({ graceful: false, close: true });
    throw error;
  }
  return boss;
}

async function ensureQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue(deadLetterQueue, { retentionSeconds: 14 * 24 * 60 * 60 });
  for (const definition of jobDefinitions) {
    // create_queue does nothing for an existing queue, so bring its options in line with the code.
    await boss.createQueue(definition.queue, definition.options);
    const { notify: _notify, ...updatable } = definition.options;
    await boss.updateQueue(definition.queue, updatable);
  }
}

/** Installs the job queue's schema and queues, then stops: for templates and one-off set-up. */
export async function installJobQueue(connectionString: string, log: Logger): Promise<void> {
  const boss = await startJobQueue({ connectionString, role: "sender", log, maxConnections: 1 });
  await boss.stop({ graceful: false, close: true });
}
