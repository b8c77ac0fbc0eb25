import { CompiledQuery, type Kysely } from "kysely";
import type { PgBoss } from "pg-boss";
import type { z } from "zod";
import type { JobDefinition, JobPayload } from "./queues.ts";

/**
 * Sends a job after checking its payload against the queue's contract. Pass `transaction` to enqueue in the
 * same transaction as the data change that calls for the job: both commit, or neither does.
 */
export async function sendJob<Definition extends JobDefinition<z.ZodType>, DB>(
  boss: PgBoss,
  definition: Definition,
  payload: JobPayload<Definition>,
  options: { transaction?: Kysely<DB>; singletonKey?: string } = {},
): Promise<string> {
  const data = definition.payload.parse(payload) as object;
  const { transaction } = options;
  const id = await boss.send(definition.queue, data, {
    ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
    ...(transaction
      ? {
          db: {
            executeSql: async (text: string, values?: unknown[]) =>
              transaction.executeQuery(CompiledQuery.raw(text, values ?? [])),
          },
        }
      : {}),
  });
  if (!id) throw new Error(`Queue ${definition.queue} refused the job (a singleton job with the same key exists)`);
  return id;
}

/**
 * `sendJob` for an event that must give one job at most: with a singleton key, a job already waiting under
 * the same key makes this a no-op (null) instead of an error, so the caller's transaction carries on.
 */
export async function sendJobOnce<Definition extends JobDefinition<z.ZodType>, DB>(
  boss: PgBoss,
  definition: Definition,
  payload: JobPayload<Definition>,
  options: { transaction?: Kysely<DB>; singletonKey: string },
): Promise<string | null> {
  try {
    return await sendJob(boss, definition, payload, options);
  } catch (error) {
    if (error instanceof Error && error.message.includes("singleton job with the same key exists")) return null;
    throw error;
  }
}
