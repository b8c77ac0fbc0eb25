import path from "node:path";
import { defaultDataRoot, ensureDatabase, startEmbeddedPostgres } from "./embedded.ts";
import type { DatabaseEnv } from "./env.ts";

export interface DatabaseServer {
  databaseUrl: string;
  /** The embedded PostgreSQL's process id; null when DATABASE_URL points elsewhere. */
  embeddedPid: number | null;
  stop(): Promise<void>;
}

/** The database the platform uses: DATABASE_URL when set, otherwise the embedded server under `.data/`. */
export async function openDatabaseServer(
  env: DatabaseEnv,
  options: { onLog?: (message: string) => void } = {},
): Promise<DatabaseServer> {
  if (env.DATABASE_URL) return { databaseUrl: env.DATABASE_URL, embeddedPid: null, stop: async () => {} };

  const dataRoot = env.LEARNOPS_DATA_DIR ? path.resolve(env.LEARNOPS_DATA_DIR) : defaultDataRoot;
  const running = await startEmbeddedPostgres({
    dataDir: path.join(dataRoot, "postgres"),
    port: env.LEARNOPS_PG_PORT,
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });
  try {
    await ensureDatabase(running, "learnops");
  } catch (error) {
    await running.stop();
    throw error;
  }
  return { databaseUrl: running.connectionString("learnops"), embeddedPid: running.pid, stop: () => running.stop() };
}
