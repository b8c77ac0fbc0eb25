import { z } from "zod";

const portNumber = z.coerce.number().int().min(1024).max(65535);

/**
 * How the database is reached. Without DATABASE_URL an embedded PostgreSQL runs under `.data/`;
 * TEST_DATABASE_URL points the test harness at an external server instead of a throwaway embedded one.
 */
const databaseEnv = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  TEST_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  LEARNOPS_PG_PORT: portNumber.default(54329),
  LEARNOPS_DATA_DIR: z.string().min(1).optional(),
});
export type DatabaseEnv = z.infer<typeof databaseEnv>;

export function readDatabaseEnv(source: NodeJS.ProcessEnv = process.env): DatabaseEnv {
  const parsed = databaseEnv.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid database environment:\n${problems.join("\n")}`);
  }
  return parsed.data;
}
