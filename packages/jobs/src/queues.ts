import type { Queue } from "pg-boss";
import { z } from "zod";

/** A queue's one contract: its name, the payload every job on it carries, and its retry and expiry policy. */
export interface JobDefinition<Payload extends z.ZodType> {
  queue: string;
  payload: Payload;
  options: Omit<Queue, "name">;
}

function defineJob<Payload extends z.ZodType>(definition: JobDefinition<Payload>): JobDefinition<Payload> {
  return definition;
}

export type JobPayload<Definition> = Definition extends JobDefinition<infer Payload> ? z.infer<Payload> : never;

/** Jobs that failed for good (bad payload, retries exhausted) are kept here for an operator to inspect. */
export const deadLetterQueue = "dead-letter";

/** A worker answers that it is alive and picking up jobs (see `operations.requestWorkerCheck`). */
export const workerCheckJob = defineJob({
  queue: "worker-check",
  payload: z.object({ checkId: z.uuid() }),
  options: {
    notify: true,
    retryLimit: 3,
    retryDelay: 1,
    retryBackoff: true,
    // A check is about now: an answer a minute late says nothing useful.
    expireInSeconds: 30,
    retentionSeconds: 60 * 60,
    deadLetter: deadLetterQueue,
  },
});

export const jobDefinitions = [workerCheckJob] as const;
