import { execFileSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { setupTestDatabase } from "./testing/database.ts";

const packageDir = path.resolve(import.meta.dirname, "..");
const repoRoot = path.resolve(packageDir, "../..");
const { url } = await setupTestDatabase();

it("committed database types match the migrated schema (run `pnpm db:types` after a migration)", async () => {
  const outFile = path.join(await mkdtemp(path.join(os.tmpdir(), "learnops-schema-")), "schema.ts");
  execFileSync(path.join(packageDir, "node_modules/.bin/kysely-codegen"), [
    "--dialect=postgres",
    `--url=${url}`,
    `--out-file=${outFile}`,
    "--exclude-pattern=kysely_*",
    "--camel-case=false",
  ]);
  // Formatted as if it stood in place of the committed file, so the repository's Biome settings apply.
  const committedPath = path.join(packageDir, "src/schema.ts");
  const generated = execFileSync(
    path.join(repoRoot, "node_modules/.bin/biome"),
    ["format", `--stdin-file-path=${committedPath}`],
    { cwd: repoRoot, input: await readFile(outFile, "utf8"), encoding: "utf8" },
  );
  expect(generated).toBe(await readFile(committedPath, "utf8"));
});
