import type { Database } from "@learnops/db/client";
import { applyEnrolmentImport } from "@learnops/db/queries/enrolment-imports";
import { expireLapsedEnrolments } from "@learnops/db/queries/enrolments";
import { completeWorkerCheck } from "@learnops/db/queries/worker-checks";
import { deliverEmail } from "@learnops/email/delivery";
import type { EmailTransport } from "@learnops/email/transport";
import type { JobResult, PgBoss } from "pg-boss";
import type { Logger } from "pino";
import type { z } from "zod";
import { notifyCourseCompleted } from "./course-completed.ts";
import {
  courseCompletedJob,
  emailDeliveryJob,
  enrolmentExpiryJob,
  enrolmentImportJob,
  type JobDefinition,
  type JobPayload,
  serviceProviderKeyRenewalJob,
  workerCheckJob,
} from "./queues.ts";
import { notifyServiceProviderKeyRenewals } from "./service-provider-key-renewal.ts";

export interface JobContext {
  db: Database;
  log: Logger;
  /** Host and process id of this worker, recorded where a job says who did it. */
  workerId: string;
  /** How email leaves: Resend, or the log in development (see packages/email's env). */
  emailTransport: EmailTransport;
  /** Where people reach the platform, for links in messages the worker writes; null: none configured. */
  publicUrl?: string | null;
}

type Handler<Definition extends JobDefinition<z.ZodType>> = (
  payload: JobPayload<Definition>,
  context: JobContext,
) => Promise<object | undefined>;

export interface Registration<Definition extends JobDefinition<z.ZodType>> {
  definition: Definition;
  handle: Handler<Definition>;
}

/** A queue's handler, for `registrations` or for `workAllQueues`'s `more` (handlers living outside this package). */
export function register<Definition extends JobDefinition<z.ZodType>>(
  definition: Definition,
  handle: Handler<Definition>,
): Registration<JobDefinition<z.ZodType>> {
  return { definition, handle: handle as Handler<JobDefinition<z.ZodType>> };
}

/** Every queue the worker works, with the function that does each job. Handlers must be idempotent. */
export const registrations = [
  register(workerCheckJob, async ({ checkId }, { db, workerId }) => {
    const found = await completeWorkerCheck(db, { id: checkId, workedBy: workerId });
    return { found };
  }),
  register(emailDeliveryJob, ({ outboxId }, { db, emailTransport, log }) =>
    deliverEmail(db, emailTransport, outboxId, log),
  ),
  register(enrolmentImportJob, async (payload, { db }) => {
    const outcome = await applyEnrolmentImport(db, payload, () => new Date());
    return outcome ?? { skipped: "the upload is not queued (applied already, or never validated)" };
  }),
  register(courseCompletedJob, (payload, { db, emailTransport, log }) =>
    notifyCourseCompleted(db, payload, emailTransport, log),
  ),
  register(enrolmentExpiryJob, async (_payload, { db }) => ({
    institutions: await expireLapsedEnrolments(db, new Date()),
  })),
  register(serviceProviderKeyRenewalJob, async (_payload, { db, emailTransport, log, publicUrl }) => ({
    notified: await notifyServiceProviderKeyRenewals(db, new Date(), { transport: emailTransport, log, publicUrl }),
  })),
];

/**
 * Runs one batch: each payload is parsed against its queue's contract first. A payload that does not parse
 * can never succeed, so it goes straight to the dead-letter queue instead of being retried; a handler that
 * throws fails only its own job, which pg-boss retries by the queue's policy.
 */
export async function runBatch(
  registration: Registration<JobDefinition<z.ZodType>>,
  jobs: { id: string; data: unknown }[],
  context: JobContext,
): Promise<JobResult[]> {
  const results: JobResult[] = [];
  for (const job of jobs) {
    const log = context.log.child({ queue: registration.definition.queue, jobId: job.id });
    const parsed = registration.definition.payload.safeParse(job.data);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
      log.error({ issues }, "job payload rejected");
      results.push({ id: job.id, status: "deadletter", output: { error: "invalid payload", issues } });
      continue;
    }
    try {
      const output = await registration.handle(parsed.data, { ...context, log });
      results.push({ id: job.id, status: "completed", ...(output ? { output } : {}) });
    } catch (error) {
      log.error({ err: error }, "job failed");
      results.push({
        id: job.id,
        status: "failed",
        output: { error: error instanceof Error ? error.message : String(error) },
      });
    }
  }
  return results;
}

export interface WorkOptions {
  batchSize?: number;
  localConcurrency?: number;
}

/**
 * Starts working every registered queue, and the queues of `more` (handlers that need packages this one
 * cannot import, registered by the worker app); returns when the workers are subscribed.
 */
export async function workAllQueues(
  boss: PgBoss,
  context: JobContext,
  options: WorkOptions = {},
  more: readonly Registration<JobDefinition<z.ZodType>>[] = [],
): Promise<void> {
  for (const registration of [...registrations, ...more]) {
    await boss.work(
      registration.definition.queue,
      {
        perJobResults: true,
        batchSize: options.batchSize ?? 20,
        localConcurrency: options.localConcurrency ?? 2,
      },
      (jobs) => runBatch(registration, jobs, context),
    );
  }
}
