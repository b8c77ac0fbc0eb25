import { appRole } from "@learnops/db/app-role";
import { PgBoss } from "pg-boss";
import type { Logger } from "pino";
import { deadLetterQueue, jobDefinitions } from "./queues.ts";

export interface JobQueueOptions {
  connectionString: string;
  /** `worker` also runs pg-boss's maintenance and scheduling; senders (the API) leave that to workers. */
  role: "sender" | "worker";
  log: Logger;
  maxConnections?: number;
  /**
   * Create or upgrade pg-boss's schema. Only the database owner may (installJobQueue does); the API and the
   * worker connect as the application role and find it in place.
   */
  install?: boolean;
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
    migrate: options.install ?? false,
    createSchema: options.install ?? false,
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
    // A queue's policy is fixed once created (pg-boss refuses to change it, even to the same value).
    const { notify: _notify, policy: _policy, ...updatable } = definition.options;
    await boss.updateQueue(definition.queue, updatable);
  }
}

/**
 * Installs (or upgrades) the job queue's schema and queues as the database owner, and lets the application
 * role use them: it sends and works jobs in transactions of its own, but never changes the schema.
 */
export async function installJobQueue(ownerConnectionString: string, log: Logger): Promise<void> {
  const boss = await startJobQueue({
    connectionString: ownerConnectionString,
    role: "sender",
    log,
    maxConnections: 1,
    install: true,
  });
  try {
    const { rows } = await boss.getDb().executeSql("select 1 from pg_roles where rolname = $1", [appRole]);
    if (rows.length > 0) {
      for (const statement of [
        `grant usage on schema pgboss to ${appRole}`,
        `grant select, insert, update, delete on all tables in schema pgboss to ${appRole}`,
        `grant usage, select on all sequences in schema pgboss to ${appRole}`,
        `grant execute on all functions in schema pgboss to ${appRole}`,
        `alter default privileges in schema pgboss grant select, insert, update, delete on tables to ${appRole}`,
      ]) {
        await boss.getDb().executeSql(statement);
      }
    }
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}
