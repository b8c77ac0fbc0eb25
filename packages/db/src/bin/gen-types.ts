// Regenerates src/schema.ts from the migrated schema with kysely-codegen, on a throwaway embedded server.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createDatabase } from "../client.ts";
import { startEmbeddedPostgres } from "../embedded.ts";
import { migrateToLatest } from "../migrator.ts";
import { findFreePort } from "../testing/free-port.ts";

const packageDir = path.resolve(import.meta.dirname, "../..");
const outFile = path.join(packageDir, "src/schema.ts");

const dataDir = await mkdtemp(path.join(os.tmpdir(), "learnops-codegen-"));
const server = await startEmbeddedPostgres({
  dataDir: path.join(dataDir, "pg"),
  port: await findFreePort(),
  ephemeral: true,
});
try {
  const db = createDatabase(server.connectionString(), { maxConnections: 1 });
  await migrateToLatest(db).finally(() => db.destroy());
  execFileSync(
    "pnpm",
    [
      "exec",
      "kysely-codegen",
      "--dialect=postgres",
      `--url=${server.connectionString()}`,
      `--out-file=${outFile}`,
      "--exclude-pattern=kysely_*",
      "--camel-case=false",
    ],
    { cwd: packageDir, stdio: "inherit" },
  );
  execFileSync("pnpm", ["exec", "biome", "format", "--write", outFile], { cwd: packageDir, stdio: "inherit" });
} finally {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
