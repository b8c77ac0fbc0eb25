// Runs the whole platform for one end-to-end run, the way `pnpm start` does, but in isolation: a fresh
// temporary data folder (its own embedded PostgreSQL cluster and logs) and the ports playwright.config.ts
// chose, so a run never touches a developer's running instance or the repository's `.data/`. When the run
// ends (Playwright sends SIGTERM to the process group), it waits for start.ts to stop everything, keeps the
// platform's logs under test-results/platform-logs for a failed run to be read, and deletes the folder.
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const e2eRoot = path.resolve(import.meta.dirname, "..");
const startScript = path.resolve(e2eRoot, "../scripts/src/start.ts");
const logsCopy = path.join(e2eRoot, "test-results", "platform-logs");

const port = process.env.PORT;
const postgresPort = process.env.LEARNOPS_PG_PORT;
if (!port || !postgresPort) {
  process.stderr.write("serve-platform: PORT and LEARNOPS_PG_PORT must be set (playwright.config.ts sets them)\n");
  process.exit(1);
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), "learnops-e2e-"));

// An inherited DATABASE_URL would point the run at someone's real database: the embedded one is always used.
const { DATABASE_URL: _database, TEST_DATABASE_URL: _testDatabase, ...inherited } = process.env;
const platform = spawn(process.execPath, [startScript], {
  env: {
    ...inherited,
    PORT: port,
    HOST: "127.0.0.1",
    LEARNOPS_PG_PORT: postgresPort,
    LEARNOPS_DATA_DIR: dataDir,
    LEARNOPS_DEMO_DATA: "true",
    // The address the browser uses: SAML sign-in leaves for the identity provider and comes back to it.
    PUBLIC_URL: `http://127.0.0.1:${port}`,
  },
  stdio: ["ignore", "inherit", "inherit"],
});

// start.ts stops the API, the worker and PostgreSQL in order on SIGTERM; this process only waits for it.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (platform.exitCode === null && platform.signalCode === null) platform.kill(signal);
  });
}

platform.once("exit", (code, signal) => {
  try {
    rmSync(logsCopy, { recursive: true, force: true });
    cpSync(path.join(dataDir, "logs"), logsCopy, { recursive: true });
  } catch {
    // No logs to keep: the platform stopped before writing any.
  }
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(code ?? (signal ? 0 : 1));
});
