import { sql } from "kysely";
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

it("holds a catalogue with every lesson kind and enrolments from every source and in every status, once", async () => {
  await loadDemoData(db);
  await loadDemoData(db);
  const distinct = async (table: "lessons" | "enrolments", column: "kind" | "source" | "status") =>
    (
      await sql<{
        value: string;
      }>`select distinct ${sql.ref(column)} as value from ${sql.table(table)} order by 1`.execute(db)
    ).rows.map((row) => row.value);
  expect(await distinct("lessons", "kind")).toEqual([
    "assignment",
    "live_session",
    "quiz",
    "reading",
    "resource",
    "video",
  ]);
  expect(await distinct("enrolments", "source")).toEqual([
    "admin_override",
    "corporate_contract",
    "import",
    "manual_grant",
    "payment",
    "promotion",
    "sso_provisioning",
  ]);
  expect(await distinct("enrolments", "status")).toEqual([
    "active",
    "cancelled",
    "completed",
    "expired",
    "pending",
    "review_required",
    "suspended",
  ]);
  const courses = await db.selectFrom("courses").select(["code", "status"]).orderBy("code").execute();
  expect(courses).toHaveLength(7);
  expect(new Set(courses.map((course) => course.status))).toEqual(new Set(["draft", "published", "archived"]));
  const cohorts = await db.selectFrom("cohorts").select("name").execute();
  expect(cohorts).toHaveLength(2);
});
