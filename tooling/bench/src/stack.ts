// The real stack a benchmark runs against, started from nothing and stopped however the run ends: a
// throwaway embedded PostgreSQL in a temporary folder, migrated, with the job queue's schema and the
// application role; then the API in a child process of its own, connected as that role (row-level security
// in force, exactly as in production), so the load generator never shares the server's event loop.
import { type ChildProcess, fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { apiNodeFlags } from "@learnops/app-api/node-flags";
import { appRoleUrl, enableAppRoleLogin } from "@learnops/db/app-role";
import { createDatabase, type Database } from "@learnops/db/client";
import { ensureDatabase, type RunningPostgres, startEmbeddedPostgres } from "@learnops/db/embedded";
import { migrateToLatest } from "@learnops/db/migrator";
import { findFreePort } from "@learnops/db/testing/free-port";
import { installJobQueue } from "@learnops/jobs/queue";
import { sql } from "kysely";
import pino from "pino";
import type { ChildServerReady } from "./server-child.ts";

/** The application role's password on the throwaway cluster (127.0.0.1 only, deleted after the run). */
const appRolePassword = "learnops_app_bench";
const childServerPath = path.join(import.meta.dirname, "server-child.ts");

export interface ServerProcessOptions {
  /** Connections in the API's pool: production's default unless a benchmark says otherwise. */
  poolSize?: number;
  /** Extra Node flags for the server process, e.g. `--cpu-prof`. */
  execArgv?: string[];
  /** Count the SQL statements the server sends (a diagnosis mode; it costs a little per query). */
  countQueries?: boolean;
  /** What-if: send parameterised statements as named prepared statements (planned once per connection). */
  prepareStatements?: boolean;
}

export interface Stack {
  /** The database as its owner: for seeding what the application role may not write. */
  ownerDb: Database;
  /** The database as the application role, subject to row-level security like the API. */
  appDb: Database;
  /** The owner's connection string: for a reference measured straight against PostgreSQL. */
  ownerUrl: string;
  /** The application role's connection string (what the API connects with). */
  appUrl: string;
  /** `http://127.0.0.1:<port>` of the API's child process. */
  baseUrl: string;
  /** Process ids of the API and of PostgreSQL's postmaster, for CPU accounting. */
  pids: { api: number | null; postmaster: number | null };
  /** `select version()` of the server the run used. */
  postgresVersion: string;
  /**
   * A CHECKPOINT, before each measurement: PostgreSQL then recycles the WAL segments written since the last
   * one as the next ones, as a server that has run for a while does at every checkpoint. A cluster made
   * minutes ago has none to recycle: each 16 MB segment the load fills is a new file, zero-filled while
   * every commit waits (about 200 ms here, every few seconds at 1,500 events/s), which no production server
   * in its steady state does (docs/performance.md).
   */
  checkpoint(): Promise<void>;
  /** Ends everything the stack started, in order (API, pools, PostgreSQL, the temporary folder); idempotent. */
  stop(): Promise<void>;
  /** Something a benchmark opened (a pool of its own) to close when the stack stops, before PostgreSQL. */
  onStop(cleanup: () => Promise<void>): void;
}

/** Stops what a startStack still in progress has started so far (a Ctrl-C during start-up or seeding). */
let stopStarting: (() => Promise<void>) | null = null;

export function stopStackBeingStarted(): Promise<void> {
  return stopStarting?.() ?? Promise.resolve();
}

export async function startStack(options: ServerProcessOptions = {}): Promise<Stack> {
  const tempDir = await mkdtemp(path.join(os.tmpdir(), "learnops-bench-"));
  const postgresLog: string[] = [];
  const cleanups: (() => Promise<void>)[] = [() => rm(tempDir, { recursive: true, force: true })];
  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      // Last started, first stopped: the API before the pools before PostgreSQL before its folder.
      for (const cleanup of cleanups.toReversed()) await cleanup().catch(() => {});
    })();
    return stopped;
  };
  stopStarting = stop;

  try {
    const postgres: RunningPostgres = await startEmbeddedPostgres({
      dataDir: path.join(tempDir, "pg"),
      port: await findFreePort(),
      ephemeral: true,
      onLog: (line) => {
        postgresLog.push(line);
        if (postgresLog.length > 50) postgresLog.shift();
      },
    });
    cleanups.push(() => postgres.stop());
    await ensureDatabase(postgres, "learnops");
    const ownerUrl = postgres.connectionString("learnops");

    const ownerDb = createDatabase(ownerUrl, { maxConnections: 4, applicationName: "learnops-bench-owner" });
    cleanups.push(() => ownerDb.destroy());
    await migrateToLatest(ownerDb);
    await installJobQueue(ownerUrl, pino({ level: "silent" }));
    await enableAppRoleLogin(ownerDb, appRolePassword);
    const appUrl = appRoleUrl(ownerUrl, appRolePassword);
    const appDb = createDatabase(appUrl, { maxConnections: 4, applicationName: "learnops-bench-seed" });
    cleanups.push(() => appDb.destroy());

    const { rows } = await sql<{ version: string }>`select version() as version`.execute(ownerDb);
    const postgresVersion = rows[0]?.version ?? "unknown";

    const server = await startServerProcess(appUrl, options);
    cleanups.push(() => stopChild(server.child));
    const pids = { api: server.child.pid ?? null, postmaster: postgres.pid };
    const onStop = (cleanup: () => Promise<void>) => {
      cleanups.push(cleanup);
    };
    const baseUrl = `http://127.0.0.1:${server.port}`;
    const checkpoint = async () => {
      await sql`checkpoint`.execute(ownerDb);
    };
    return { ownerDb, appDb, ownerUrl, appUrl, pids, baseUrl, postgresVersion, checkpoint, stop, onStop };
  } catch (error) {
    await stop();
    if (postgresLog.length) process.stderr.write(`Last PostgreSQL log lines:\n${postgresLog.join("")}\n`);
    throw error;
  }
}

interface ServerProcess {
  child: ChildProcess;
  port: number;
}

/** The API's public address (`ApiServices.publicUrl`): what an xAPI account's `homePage` names it by. */
export const apiPublicUrl = "http://127.0.0.1";

/** Forks the API (server-child.ts) and waits for the port it listens on, or for it to fail. */
function startServerProcess(databaseUrl: string, options: ServerProcessOptions): Promise<ServerProcess> {
  const child = fork(childServerPath, [], {
    // Started as production starts the API (its Node.js flags), plus any the run asks for (profiling).
    execArgv: [...apiNodeFlags, ...(options.execArgv ?? [])],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: {
      ...process.env,
      BENCH_DATABASE_URL: databaseUrl,
      BENCH_PUBLIC_URL: apiPublicUrl,
      BENCH_POOL_SIZE: String(options.poolSize ?? 10),
      BENCH_COUNT_QUERIES: options.countQueries ? "1" : "",
      BENCH_PREPARE_STATEMENTS: options.prepareStatements ? "1" : "",
    },
  });
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("The API process did not start listening within 30 s"));
    }, 30_000);
    child.once("message", (message: ChildServerReady) => {
      clearTimeout(timeout);
      resolve({ child, port: message.port });
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timeout);
      reject(new Error(`The API process exited before it was ready (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** SIGTERM (the API's graceful shutdown, which also writes a CPU profile when asked for), then SIGKILL. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
