import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { findFreePort } from "@learnops/db/testing/free-port";
import { afterAll, afterEach, describe, expect, it } from "vitest";

const startScript = path.join(import.meta.dirname, "start.ts");
const dataDir = await mkdtemp(path.join(os.tmpdir(), "learnops-start-"));
const pgPort = await findFreePort();
const port = await findFreePort();
afterAll(() => rm(dataDir, { recursive: true, force: true }));

// A failed assertion must not leave a main job (and its PostgreSQL) running into the next test.
const running: MainJob[] = [];
afterEach(async () => {
  for (const job of running.splice(0)) {
    if (job.child.exitCode === null && job.child.signalCode === null) {
      job.child.kill("SIGTERM");
      await job.exited;
    }
  }
});

interface MainJob {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts the main job in its own process group, as a terminal would, so a Ctrl-C can be sent to all of it. */
function startMainJob(): MainJob {
  const child = spawn(process.execPath, [startScript], {
    env: {
      ...process.env,
      PORT: String(port),
      LEARNOPS_DATA_DIR: dataDir,
      LEARNOPS_PG_PORT: String(pgPort),
      SERVE_WEB_APPS: "false",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const job = { child, output: () => output, exited };
  running.push(job);
  return job;
}

async function waitUntilRunning(job: MainJob): Promise<Record<string, number>> {
  const deadline = Date.now() + 90_000;
  while (!job.output().includes("Press Ctrl-C to stop.")) {
    if (Date.now() > deadline || job.child.exitCode !== null)
      throw new Error(`main job did not start:\n${job.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const line = job.output().match(/Processes:\s+api (\d+), worker (\d+), PostgreSQL (\d+)/);
  if (!line) throw new Error(`no process line in:\n${job.output()}`);
  return { api: Number(line[1]), worker: Number(line[2]), postgres: Number(line[3]) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the main job", () => {
  it("starts everything, serves health, readiness and data, and leaves no process behind on SIGTERM", async () => {
    const job = startMainJob();
    const pids = await waitUntilRunning(job);
    expect(job.output()).toMatch(/Applied \d+ migration\(s\)\./);
    expect(job.output()).toMatch(/Loaded demo data \(3 institutions, \d+ people\)\./);
    expect(job.output()).toContain("morgan.lee@example.org");

    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
    const directory = (await (await fetch(`http://127.0.0.1:${port}/trpc/institutions.directory`)).json()) as {
      result: { data: unknown[] };
    };
    expect(directory.result.data).toHaveLength(3);
    // The API got the local demo payment secret: the webhook is configured (401 unsigned, not 503).
    expect((await fetch(`http://127.0.0.1:${port}/webhooks/payments`, { method: "POST", body: "{}" })).status).toBe(
      401,
    );
    expect(job.output()).toContain("signed with the local demo secret whsec_local_demo_not_secret");

    job.child.kill("SIGTERM");
    expect(await job.exited).toBe(0);
    for (const [name, pid] of Object.entries(pids))
      expect(isAlive(pid), `${name} (pid ${pid}) still running`).toBe(false);
    // Each process shut down gracefully (none had to be killed), and its last words reached its log file.
    expect(job.output()).not.toContain("did not stop");
    expect(await readFile(path.join(dataDir, "logs/api.log"), "utf8")).toContain('"msg":"API stopped"');
    expect(await readFile(path.join(dataDir, "logs/worker.log"), "utf8")).toContain('"msg":"worker stopped"');
  });

  it("keeps its data on a second start, and a Ctrl-C to the whole process group stops it cleanly", async () => {
    const job = startMainJob();
    const pids = await waitUntilRunning(job);
    expect(job.output()).toContain("Database schema is up to date.");
    expect(job.output()).toContain("Demo data already loaded.");

    // A terminal's Ctrl-C reaches every process in the foreground group at once.
    process.kill(-(job.child.pid ?? 0), "SIGINT");
    expect(await job.exited).toBe(0);
    for (const [name, pid] of Object.entries(pids))
      expect(isAlive(pid), `${name} (pid ${pid}) still running`).toBe(false);
    expect(job.output()).toContain("Stopped.");
    expect(job.output()).not.toContain("did not stop");
  });

  it("when killed outright, its API and worker stop by themselves and the next start names the database left running", async () => {
    const job = startMainJob();
    const pids = await waitUntilRunning(job);
    job.child.kill("SIGKILL");
    await job.exited;

    const deadline = Date.now() + 30_000;
    while ((isAlive(pids.api ?? 0) || isAlive(pids.worker ?? 0)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(isAlive(pids.api ?? 0), "API still running").toBe(false);
    expect(isAlive(pids.worker ?? 0), "worker still running").toBe(false);

    // Nothing could stop PostgreSQL (a SIGKILL runs no handler); the next start says which process to stop.
    expect(isAlive(pids.postgres ?? 0)).toBe(true);
    const next = startMainJob();
    expect(await next.exited).toBe(1);
    expect(next.output()).toContain(`an earlier LearnOps PostgreSQL (pid ${pids.postgres}) still runs from`);
    process.kill(pids.postgres ?? 0, "SIGINT");
    while (isAlive(pids.postgres ?? 0)) await new Promise((resolve) => setTimeout(resolve, 100));
  });
});
