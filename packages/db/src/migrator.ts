import { promises as fs } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Kysely } from "kysely";
import { FileMigrationProvider, type MigrationResult, Migrator } from "kysely/migration";

const defaultMigrationFolder = path.join(import.meta.dirname, "migrations");

export interface MigratorOptions {
  /** Folder of migration files; the platform's own by default. */
  migrationFolder?: string;
}

function createMigrator<T>(db: Kysely<T>, { migrationFolder = defaultMigrationFolder }: MigratorOptions): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({
      fs,
      path,
      migrationFolder,
      import: (file) => import(pathToFileURL(file).href),
    }),
  });
}

export class MigrationError extends Error {
  readonly failedMigration: string | null;
  readonly results: readonly MigrationResult[];
  constructor(failedMigration: string | null, results: readonly MigrationResult[], options: { cause: unknown }) {
    super(
      failedMigration
        ? `Migration ${failedMigration} failed: ${describe(options.cause)}`
        : `Migrations could not run: ${describe(options.cause)}`,
      options,
    );
    this.name = "MigrationError";
    this.failedMigration = failedMigration;
    this.results = results;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Applies every pending migration in order, each in its own transaction; returns the names applied. */
export async function migrateToLatest<T>(db: Kysely<T>, options: MigratorOptions = {}): Promise<string[]> {
  const { error, results = [] } = await createMigrator(db, options).migrateToLatest();
  if (error)
    throw new MigrationError(results.find((r) => r.status === "Error")?.migrationName ?? null, results, {
      cause: error,
    });
  return results.filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Reverts the newest applied migration; returns its name, or null when none was applied. */
export async function migrateDown<T>(db: Kysely<T>, options: MigratorOptions = {}): Promise<string | null> {
  const { error, results = [] } = await createMigrator(db, options).migrateDown();
  if (error)
    throw new MigrationError(results.find((r) => r.status === "Error")?.migrationName ?? null, results, {
      cause: error,
    });
  return results.find((r) => r.status === "Success")?.migrationName ?? null;
}

/** Every migration the code knows, applied or not, oldest first. */
export async function listMigrations<T>(
  db: Kysely<T>,
  options: MigratorOptions = {},
): Promise<{ name: string; executedAt: Date | undefined }[]> {
  const migrations = await createMigrator(db, options).getMigrations();
  return migrations.map((m) => ({ name: m.name, executedAt: m.executedAt }));
}
