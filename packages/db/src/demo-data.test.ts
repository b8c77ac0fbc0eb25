import { expect, it } from "vitest";
import { demoInstitutions, demoPeople, loadDemoData } from "./demo-data.ts";
import { listInstitutionDirectory } from "./queries/institutions.ts";
import { setupTestDatabase } from "./testing/database.ts";

const { db } = await setupTestDatabase();

it("loads the demo institutions, client groups and people once, however often it runs, and keeps later edits", async () => {
  expect(await loadDemoData(db, { passwordHash: "$argon2id$demo" })).toEqual({
    institutionsAdded: demoInstitutions.length,
    peopleAdded: demoPeople.length,
  });
  await db
    .updateTable("institutions")
    .set({ display_name: "Lakeside College (renamed)" })
    .where("slug", "=", "lakeside-college")
    .execute();

  expect(await loadDemoData(db, { passwordHash: "$argon2id$other" })).toEqual({ institutionsAdded: 0, peopleAdded: 0 });
  const directory = await listInstitutionDirectory(db);
  expect(directory.map((entry) => entry.display_name)).toEqual([
    "ACME Compliance Training",
    "Lakeside College (renamed)",
    "Northwind Health Academy",
  ]);
  const hashes = await db.selectFrom("password_credentials").select("hash").distinct().execute();
  expect(hashes).toEqual([{ hash: "$argon2id$demo" }]);
});

it("gives one person a membership in each institution and the client manager a client group", async () => {
  const memberships = await db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .innerJoin("institutions", "institutions.id", "memberships.institution_id")
    .leftJoin("client_groups", "client_groups.id", "memberships.client_group_id")
    .select(["users.email", "institutions.slug", "memberships.role", "client_groups.name as client_group"])
    .orderBy("users.email")
    .orderBy("institutions.slug")
    .execute();
  expect(memberships.filter((row) => row.email === "morgan.lee@example.org")).toEqual([
    { email: "morgan.lee@example.org", slug: "acme-compliance", role: "course_admin", client_group: null },
    { email: "morgan.lee@example.org", slug: "lakeside-college", role: "instructor", client_group: null },
    { email: "morgan.lee@example.org", slug: "northwind-health", role: "learner", client_group: null },
  ]);
  expect(memberships.find((row) => row.role === "client_manager")).toMatchObject({ client_group: "Contoso Clinics" });
  expect(new Set(memberships.map((row) => row.role))).toEqual(
    new Set(["learner", "instructor", "course_admin", "support_agent", "client_manager", "platform_admin"]),
  );
});
