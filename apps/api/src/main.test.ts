import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { findFreePort } from "@learnops/db/testing/free-port";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { expect, it } from "vitest";

const { appUrl: url } = await setupTestJobQueue();
const entry = path.join(import.meta.dirname, "main.ts");

function startApi(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", SERVE_WEB_APPS: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

it("stops gracefully on SIGTERM: no new connections, pool and queue closed, exit code 0", async () => {
  const port = await findFreePort();
  const api = startApi({ DATABASE_URL: url, PORT: String(port), HOST: "127.0.0.1" });
  for (let attempt = 0; ; attempt++) {
    const ok = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (attempt > 100) throw new Error(`API did not become ready:\n${api.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  api.child.kill("SIGTERM");
  expect(await api.exited).toBe(0);
  expect(api.output()).toContain('"msg":"API stopped"');
  await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
});

it("refuses to start with a readable message when its environment is wrong", async () => {
  const api = startApi({ DATABASE_URL: "mysql://somewhere/else", PORT: "not-a-port" });
  expect(await api.exited).toBe(1);
  expect(api.output()).toContain("The API cannot start; fix these environment variables");
  expect(api.output()).toContain("DATABASE_URL: DATABASE_URL must be a postgres:// connection string");
  expect(api.output()).toContain("PORT:");
});
