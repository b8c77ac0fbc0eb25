import { parseEnvironment } from "@learnops/contracts/environment";
import { type EmailEnv, readEmailEnv } from "@learnops/email/env";
import { z } from "zod";

const workerEnv = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "DATABASE_URL must be a postgres:// connection string" }),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Jobs fetched per poll of each queue. */
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(20),
  /** Batches of each queue worked at once in this process. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(2),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
  /** Seconds a shutdown waits for jobs in flight before it gives up (they are then retried elsewhere). */
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().min(1).max(300).default(20),
  /**
   * Where people reach the platform (the API's PUBLIC_URL), for links in the messages the worker writes
   * itself (single sign-on key notices); without it they name the page in words.
   */
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: "PUBLIC_URL must be an http:// or https:// address" }).optional(),
});
export type WorkerEnv = z.infer<typeof workerEnv> & { email: EmailEnv };

/**
 * Parses the worker's environment once, at start, email settings included (the worker is what sends); a bad
 * value stops the process with a readable message.
 */
export function readWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return { ...parseEnvironment(workerEnv, source, "The worker"), email: readEmailEnv(source) };
}
