import { z } from "zod";

/** Whether the platform's moving parts answer, as the admin console and `/ready` report it. */
export const platformStatus = z.object({
  database: z.enum(["up", "down"]),
  jobQueue: z.enum(["up", "down"]),
  checkedAt: z.iso.datetime(),
});
export type PlatformStatus = z.infer<typeof platformStatus>;

/**
 * A worker check: the API enqueues a job, a worker process picks it up and records that it did. It proves
 * end to end that jobs sent now (reminders, certificates, emails) will be worked.
 */
export const workerCheckState = z.enum(["waiting", "completed"]);
export type WorkerCheckState = z.infer<typeof workerCheckState>;

export const workerCheck = z.object({
  id: z.uuid(),
  state: workerCheckState,
  requestedAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
  /** Host and process id of the worker that answered. */
  workedBy: z.string().nullable(),
  /** Milliseconds from request to completion, once completed. */
  latencyMs: z.number().int().nonnegative().nullable(),
});
export type WorkerCheck = z.infer<typeof workerCheck>;

export const workerCheckByIdInput = z.object({ id: z.uuid() });
export type WorkerCheckByIdInput = z.infer<typeof workerCheckByIdInput>;
