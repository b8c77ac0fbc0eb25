import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { PortInUseError, startEmbeddedPostgres } from "./embedded.ts";
import { findFreePort } from "./testing/free-port.ts";

it("refuses a taken port with a message that says what to do", async () => {
  const port = await findFreePort();
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
  try {
    const dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), "learnops-port-")), "pg");
    const failure = await startEmbeddedPostgres({ dataDir, port, ephemeral: true }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PortInUseError);
    expect((failure as Error).message).toContain(`port ${port}`);
    expect((failure as Error).message).toContain("LEARNOPS_PG_PORT");
  } finally {
    squatter.close();
  }
});

it("says which folder the server cannot reach when the data folder sits below a private one", async () => {
  const privateDir = await mkdtemp(path.join(os.tmpdir(), "learnops-private-"));
  await chmod(privateDir, 0o700);
  const dataDir = path.join(privateDir, "data", "pg");
  const attempt = startEmbeddedPostgres({ dataDir, port: await findFreePort(), ephemeral: true });
  if (process.getuid?.() === 0) {
    // As root the server runs as the `postgres` account, which cannot pass through a root-only folder.
    await expect(attempt).rejects.toThrow(`cannot enter ${path.join(privateDir, "data")}`);
  } else {
    // Without root the server runs as this user, who can.
    await (await attempt).stop();
  }
  await rm(privateDir, { recursive: true, force: true });
});

it("names the earlier server still running from the same cluster instead of starting a second one", async () => {
  const dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), "learnops-twice-")), "pg");
  const first = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), ephemeral: true });
  try {
    const second = startEmbeddedPostgres({ dataDir, port: await findFreePort() });
    await expect(second).rejects.toThrow(
      `an earlier LearnOps PostgreSQL (pid ${first.pid}) still runs from ${dataDir}`,
    );
  } finally {
    await first.stop();
  }
});
