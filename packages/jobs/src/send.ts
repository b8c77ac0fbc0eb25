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
