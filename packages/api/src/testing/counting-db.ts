import type { Database } from "@learnops/db/client";

/** The database, counting the statements sent through it (transactions' begin and commit aside). */
export function countingDb(db: Database): { counter: { statements: number }; db: Database } {
  const counter = { statements: 0 };
  const counted = db.withPlugin({
    transformQuery: ({ node }) => {
      counter.statements += 1;
      return node;
    },
    transformResult: async ({ result }) => result,
  });
  return { counter, db: counted };
}
