import { expect, it } from "vitest";
import { demoInstitutions, loadDemoData } from "./demo-data.ts";
import { listInstitutionDirectory } from "./queries/institutions.ts";
import { setupTestDatabase } from "./testing/database.ts";

const { db } = await setupTestDatabase();

it("loads the demo institutions once, however often it runs, and keeps later edits", async () => {
  expect(await loadDemoData(db)).toEqual({ institutionsAdded: demoInstitutions.length });
  await db
    .updateTable("institutions")
    .set({ display_name: "Lakeside College (renamed)" })
    .where("slug", "=", "lakeside-college")
    .execute();

  expect(await loadDemoData(db)).toEqual({ institutionsAdded: 0 });
  const directory = await listInstitutionDirectory(db);
  expect(directory).toHaveLength(demoInstitutions.length);
  expect(directory.map((entry) => entry.display_name)).toEqual([
    "ACME Compliance Training",
    "Lakeside College (renamed)",
    "Northwind Health Academy",
  ]);
});
