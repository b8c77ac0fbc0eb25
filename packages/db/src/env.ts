import { parseEnvironment } from "@learnops/contracts/environment";
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
  return parseEnvironment(databaseEnv, source, "The database tools");
}
