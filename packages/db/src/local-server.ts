import { createHash } from "node:crypto";
import path from "node:path";
import { defaultDataRoot, ensureDatabase, isReachableByServer, startEmbeddedPostgres } from "./embedded.ts";
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
  options: { onLog?: (message: string) => void; onNotice?: (message: string) => void } = {},
): Promise<DatabaseServer> {
  if (env.DATABASE_URL) return { databaseUrl: env.DATABASE_URL, embeddedPid: null, stop: async () => {} };

  const running = await startEmbeddedPostgres({
    dataDir: clusterDir(env, options.onNotice ?? (() => {})),
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

/**
 * `<data folder>/postgres`. When the default `.data/` sits where PostgreSQL's system account cannot enter (a
 * checkout below a private folder, run as root), the cluster lives under /var/tmp instead, one per checkout.
 */
function clusterDir(env: DatabaseEnv, notice: (message: string) => void): string {
  if (env.LEARNOPS_DATA_DIR) return path.join(path.resolve(env.LEARNOPS_DATA_DIR), "postgres");
  if (isReachableByServer(path.dirname(defaultDataRoot))) return path.join(defaultDataRoot, "postgres");
  const fallback = path.join(
    "/var/tmp",
    `learnops-${createHash("sha256").update(defaultDataRoot).digest("hex").slice(0, 12)}`,
    "postgres",
  );
  notice(
    `PostgreSQL's system account cannot enter ${path.dirname(defaultDataRoot)} (a folder above it is private); ` +
      `its data is kept in ${fallback} instead. Set LEARNOPS_DATA_DIR to choose another folder.`,
  );
  return fallback;
}
