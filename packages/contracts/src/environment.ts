import type { z } from "zod";

/**
 * Parses a process's environment against its schema, once, at start. A bad or missing variable stops the
 * process with one readable line per problem instead of a failure later, far from its cause.
 */
export function parseEnvironment<Schema extends z.ZodType>(
  schema: Schema,
  source: Record<string, string | undefined>,
  who: string,
): z.infer<Schema> {
  const parsed = schema.safeParse(source);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".") || "(environment)"}: ${issue.message}`);
  throw new Error(`${who} cannot start; fix these environment variables:\n${problems.join("\n")}`);
}
