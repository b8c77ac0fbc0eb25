import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { listMigrations, MigrationError, migrateDown, migrateToLatest } from "./migrator.ts";
import { setupTestDatabase } from "./testing/database.ts";

const { db, url } = await setupTestDatabase();

async function publicTables(): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(db);
  return rows.map((row) => row.table_name);
}

describe("migrations", () => {
  it("have sortable timestamped names and are all applied to the template", async () => {
    const migrations = await listMigrations(db);
    expect(migrations.length).toBeGreaterThan(0);
    for (const migration of migrations) {
      expect(migration.name).toMatch(/^\d{8}T\d{6}_[a-z0-9_]+$/);
      expect(migration.executedAt).toBeInstanceOf(Date);
    }
    expect(migrations.map((m) => m.name)).toEqual(migrations.map((m) => m.name).toSorted());
  });

  it("go down to an empty schema and up again to the same tables", async () => {
    const before = await publicTables();
    expect(before).toContain("institutions");

    const reverted: string[] = [];
    for (let name = await migrateDown(db); name; name = await migrateDown(db)) reverted.push(name);
    expect(reverted).toHaveLength((await listMigrations(db)).length);
    expect(await publicTables()).toEqual([]);

    const applied = await migrateToLatest(db);
    expect(applied).toEqual(reverted.toReversed());
    expect(await publicTables()).toEqual(before);
    expect(await migrateToLatest(db)).toEqual([]);
  });

  it("name the migration that failed and leave nothing of the failed run behind", async () => {
    const { db: emptyDb } = await setupTestDatabase({ empty: true });
    const folder = await mkdtemp(path.join(os.tmpdir(), "learnops-migrations-"));
    await writeFile(
      path.join(folder, "20990101T000000_good.ts"),
      `export async function up(db) { await db.schema.createTable("scratch_good").addColumn("id", "integer").execute(); }
       export async function down(db) { await db.schema.dropTable("scratch_good").execute(); }`,
    );
    await writeFile(
      path.join(folder, "20990101T000100_broken.ts"),
      `export async function up(db) { await db.schema.alterTable("no_such_table").addColumn("x", "integer").execute(); }
       export async function down() {}`,
    );

    const failure = await migrateToLatest(emptyDb, { migrationFolder: folder }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).failedMigration).toBe("20990101T000100_broken");
    expect((failure as MigrationError).message).toContain('relation "no_such_table" does not exist');
    // One transaction for the whole run: the good migration before the broken one is rolled back too.
    expect(await listMigrations(emptyDb, { migrationFolder: folder })).toEqual([
      { name: "20990101T000000_good", executedAt: undefined },
      { name: "20990101T000100_broken", executedAt: undefined },
    ]);
    const { rows } = await sql`select 1 from information_schema.tables where table_name = 'scratch_good'`.execute(
      emptyDb,
    );
    expect(rows).toEqual([]);
  });
});

describe("the migrate script", () => {
  const run = promisify(execFile);
  const script = path.join(import.meta.dirname, "bin/migrate.ts");

  it("reports an up-to-date database and exits 0", async () => {
    const { stdout } = await run(process.execPath, [script], { env: { ...process.env, DATABASE_URL: url } });
    expect(stdout).toContain("Database is up to date.");
  });

  it("exits non-zero with a readable message when the database cannot be reached", async () => {
    const missing = new URL(url);
    missing.pathname = "/no_such_database";
    const failure = await run(process.execPath, [script], {
      env: { ...process.env, DATABASE_URL: missing.toString() },
    }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('database "no_such_database" does not exist');
  });
});
