import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";

const repoRoot = path.resolve(import.meta.dirname, "../..");

// The platform serves the built apps; the suite tests those builds, so they must exist first.
const missingBuilds = ["learner", "instructor", "admin"].filter(
  (app) => !existsSync(path.join(repoRoot, "apps", app, "dist", "index.html")),
);
if (missingBuilds.length) {
  throw new Error(
    `The web apps are not built (missing dist/index.html in apps/${missingBuilds.join(", apps/")}).\n` +
      `Build them first from the repository root:  pnpm --filter "@learnops/app-*" build`,
  );
}

/** A port nothing listens on right now, as the operating system hands it out. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

// Playwright evaluates this file in the runner and again in every worker process; the ports are chosen once,
// in the runner, and reach the workers through the environment they inherit.
process.env.LEARNOPS_E2E_PORT ??= String(await freePort());
process.env.LEARNOPS_E2E_PG_PORT ??= String(await freePort());
const port = process.env.LEARNOPS_E2E_PORT;
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "tests",
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: 2,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: "playwright-report/results.json" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        // Debian's Chromium: the suite never downloads a browser.
        launchOptions: {
          executablePath: "/usr/bin/chromium",
          args: [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
  ],
  webServer: {
    command: "node src/serve-platform.ts",
    cwd: import.meta.dirname,
    env: {
      PORT: String(port),
      LEARNOPS_PG_PORT: String(process.env.LEARNOPS_E2E_PG_PORT),
      LOG_LEVEL: "info",
    },
    url: `${baseURL}/ready`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
    // SIGTERM lets start.ts stop the API, the worker and PostgreSQL in order (and the temp folder go).
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
  },
});
