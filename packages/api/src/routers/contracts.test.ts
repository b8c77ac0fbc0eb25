import { hashPassword } from "@learnops/auth/passwords";
import { loadDemoData } from "@learnops/db/demo-data";
import { setPasswordHash } from "@learnops/db/queries/users";
import { withTenant } from "@learnops/db/tenancy";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { decideLearnerAccess } from "../access-decisions.ts";
import { demoTestPassword, signedInCaller } from "../testing/sign-in.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const as = (email: string) => signedInCaller({ db: appDb, jobs }, email, "northwind-health");

const courseId = async (code: string) =>
  (await db.selectFrom("courses").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id;
const userId = async (email: string) =>
  (await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;
const clientGroupId = async (name: string) =>
  (await db.selectFrom("client_groups").select("id").where("name", "=", name).executeTakeFirstOrThrow()).id;
const contractId = async (name: string) =>
  (await db.selectFrom("client_contracts").select("id").where("name", "=", name).executeTakeFirstOrThrow()).id;
const lastEvent = async (action: string) =>
  (
    await sql<{ actor_user_id: string; target_id: string; after: unknown }>`
      select actor_user_id, target_id, after from audit_events where action = ${action}
      order by id desc limit 1`.execute(db)
  ).rows[0];

const contoso = "Contoso Clinics 2026–27";

/** What the access engine decides for a Contoso learner's course now. */
async function contosoAccess(email: string, code: string) {
  const course = await db
    .selectFrom("courses")
    .select(["id", "institution_id"])
    .where("code", "=", code)
    .executeTakeFirstOrThrow();
  const learner = { userId: await userId(email), clientGroupId: await clientGroupId("Contoso Clinics") };
  return withTenant(appDb, { institutionId: course.institution_id }, (trx) =>
    decideLearnerAccess(trx, learner, { courseId: course.id }, new Date()),
  );
}

beforeAll(async () => {
  const passwordHash = await hashPassword(demoTestPassword);
  await loadDemoData(db, { passwordHash });
  // Two more Contoso nurses: one to enrol, one whose membership is suspended.
  const northwind = (
    await db.selectFrom("institutions").select("id").where("slug", "=", "northwind-health").executeTakeFirstOrThrow()
  ).id;
  for (const [email, status] of [
    ["tess.nurse@example.org", "active"],
    ["uma.nurse@example.org", "active"],
    ["sid.nurse@example.org", "suspended"],
  ] as const) {
    const user = await db
      .insertInto("users")
      .values({ email, display_name: email.split("@")[0] ?? email, email_verified_at: new Date() })
      .returning("id")
      .executeTakeFirstOrThrow();
    await setPasswordHash(db, user.id, passwordHash);
    await db
      .insertInto("memberships")
      .values({
        institution_id: northwind,
        user_id: user.id,
        role: "learner",
        status,
        client_group_id: await clientGroupId("Contoso Clinics"),
      })
      .execute();
  }
});

describe("contracts", () => {
  it("lists contracts with their client group, courses, dates, state and enrolment counts", async () => {
    const chloe = await as("chloe.admin@example.org");
    const contracts = await (await chloe()).contracts.list();
    expect(contracts).toHaveLength(1);
    expect(contracts[0]).toMatchObject({
      name: contoso,
      clientGroup: { name: "Contoso Clinics" },
      status: "active",
      state: "current",
      courses: [{ code: "dementia-care" }, { code: "infection-control" }],
      enrolments: { live: 1, total: 1 },
    });
    expect(contracts[0]?.startsOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const kim = await as("kim.manager@example.org");
    await expect((await kim()).contracts.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("creates a contract, audited, and refuses another institution's client group and a backwards term", async () => {
    const chloe = await as("chloe.admin@example.org");
    const created = await (await chloe()).contracts.create({
      clientGroupId: await clientGroupId("Contoso Clinics"),
      name: "Contoso medication pilot",
      startsOn: "2026-01-01",
      endsOn: "2026-06-30",
      courseIds: [await courseId("medication-safety")],
    });
    expect(created).toMatchObject({
      name: "Contoso medication pilot",
      startsOn: "2026-01-01",
      endsOn: "2026-06-30",
      state: "ended",
      courses: [{ code: "medication-safety" }],
      enrolments: { live: 0, total: 0 },
    });
    expect(await lastEvent("contract.created")).toMatchObject({
      actor_user_id: await userId("chloe.admin@example.org"),
      target_id: created?.id,
    });
    await expect(
      (await chloe()).contracts.create({
        clientGroupId: await clientGroupId("Globex Corporation"),
        name: "Not ours",
        startsOn: "2026-01-01",
        endsOn: "2026-12-31",
        courseIds: [await courseId("dementia-care")],
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "Client group was not found" });
    await expect(
      (await chloe()).contracts.create({
        clientGroupId: await clientGroupId("Contoso Clinics"),
        name: "Backwards",
        startsOn: "2026-12-31",
        endsOn: "2026-01-01",
        courseIds: [await courseId("dementia-care")],
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("must end on or after") });
    await expect(
      (await chloe()).contracts.create({
        clientGroupId: await clientGroupId("Contoso Clinics"),
        name: "Year zero",
        startsOn: "0000-01-01",
        endsOn: "2026-01-01",
        courseIds: [await courseId("dementia-care")],
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("enrols the client group's people, reporting who was enrolled, who was already, and who was refused", async () => {
    const chloe = await as("chloe.admin@example.org");
    const [ada, tess, sid, leo] = await Promise.all(
      ["ada.learner", "tess.nurse", "sid.nurse", "leo.learner"].map((name) => userId(`${name}@example.org`)),
    );
    const infectionControl = await courseId("infection-control");
    const result = await (await chloe()).contracts.enrolClientGroup({
      contractId: await contractId(contoso),
      courseId: infectionControl,
      userIds: [ada ?? "", tess ?? "", sid ?? "", leo ?? ""],
    });
    expect(result).toMatchObject({ created: 1, alreadyEnrolled: 1, refused: 2 });
    expect(result.results).toEqual([
      { userId: ada, outcome: "already_enrolled", enrolmentId: expect.any(String), status: "active" },
      { userId: tess, outcome: "created", enrolmentId: expect.any(String) },
      { userId: sid, outcome: "refused", reason: "Their membership is suspended" },
      { userId: leo, outcome: "refused", reason: "Not a learner of Contoso Clinics" },
    ]);
    const created = result.results[1];
    const enrolment = await db
      .selectFrom("enrolments")
      .selectAll()
      .where("id", "=", created && "enrolmentId" in created ? created.enrolmentId : "")
      .executeTakeFirstOrThrow();
    expect(enrolment).toMatchObject({
      user_id: tess,
      course_id: infectionControl,
      source: "corporate_contract",
      status: "active",
      contract_id: await contractId(contoso),
      client_group_id: await clientGroupId("Contoso Clinics"),
    });
    // 365 days of access, cut to the contract's last day (300 days away in the demo).
    const contractEnds = (await (await chloe()).contracts.list()).find((c) => c.name === contoso)?.endsOn;
    expect(enrolment.expires_at?.toISOString()).toBe(`${contractEnds}T23:59:59.999Z`);
    expect(await lastEvent("enrolment.created")).toMatchObject({
      target_id: enrolment.id,
      after: { source: "corporate_contract", userId: tess },
    });

    // Again: Tess is enrolled already now, and nothing new is made.
    const again = await (await chloe()).contracts.enrolClientGroup({
      contractId: await contractId(contoso),
      courseId: infectionControl,
      userIds: [tess ?? ""],
    });
    expect(again).toMatchObject({ created: 0, alreadyEnrolled: 1, refused: 0 });
    expect(await contosoAccess("tess.nurse@example.org", "infection-control")).toMatchObject({ allowed: true });
  });

  it("enrols into a cohort while it has places, and never into one reserved for another client group", async () => {
    const chloe = await as("chloe.admin@example.org");
    const dementia = await db
      .selectFrom("courses")
      .select(["id", "institution_id"])
      .where("code", "=", "dementia-care")
      .executeTakeFirstOrThrow();
    const fabrikam = await db
      .insertInto("client_groups")
      .values({ institution_id: dementia.institution_id, name: "Fabrikam Care" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const cohort = (name: string, clientGroupId: string, capacity: number) =>
      db
        .insertInto("cohorts")
        .values({
          institution_id: dementia.institution_id,
          course_id: dementia.id,
          name,
          starts_at: new Date(Date.now() + 7 * 86_400_000),
          ends_at: new Date(Date.now() + 90 * 86_400_000),
          capacity,
          client_group_id: clientGroupId,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
    const contosoCohort = await cohort("Contoso spring group", await clientGroupId("Contoso Clinics"), 1);
    const fabrikamCohort = await cohort("Fabrikam spring group", fabrikam.id, 30);
    const [tess, uma] = await Promise.all([userId("tess.nurse@example.org"), userId("uma.nurse@example.org")]);

    await expect(
      (await chloe()).contracts.enrolClientGroup({
        contractId: await contractId(contoso),
        courseId: dementia.id,
        cohortId: fabrikamCohort.id,
        userIds: [tess],
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "cohortId: Fabrikam spring group is reserved for another client group",
    });
    const result = await (await chloe()).contracts.enrolClientGroup({
      contractId: await contractId(contoso),
      courseId: dementia.id,
      cohortId: contosoCohort.id,
      userIds: [tess, uma],
    });
    expect(result.results).toEqual([
      { userId: tess, outcome: "created", enrolmentId: expect.any(String) },
      { userId: uma, outcome: "refused", reason: "Contoso spring group is full (1 places)" },
    ]);
  });

  it("refuses a course the contract does not cover, an ended contract, and a terminated one", async () => {
    const chloe = await as("chloe.admin@example.org");
    const tess = await userId("tess.nurse@example.org");
    await expect(
      (await chloe()).contracts.enrolClientGroup({
        contractId: await contractId(contoso),
        courseId: await courseId("medication-safety"),
        userIds: [tess],
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: `courseId: ${contoso} does not cover Medication Safety` });
    await expect(
      (await chloe()).contracts.enrolClientGroup({
        contractId: await contractId("Contoso medication pilot"),
        courseId: await courseId("medication-safety"),
        userIds: [tess],
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "contractId: Contoso medication pilot ended on 2026-06-30, so it enrols nobody",
    });

    await expect(
      (await chloe()).contracts.terminate({ contractId: await contractId(contoso), reason: "short" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const terminated = await (await chloe()).contracts.terminate({
      contractId: await contractId(contoso),
      reason: "Contoso ended its training budget early",
    });
    expect(terminated).toMatchObject({ status: "terminated", state: "terminated" });
    // Tess's enrolment stays, but the contract no longer lets her in.
    expect(await contosoAccess("tess.nurse@example.org", "infection-control")).toMatchObject({
      allowed: false,
      denial: "contract_inactive",
    });
    expect(await lastEvent("contract.terminated")).toMatchObject({
      target_id: await contractId(contoso),
      after: { status: "terminated", reason: "Contoso ended its training budget early" },
    });
    await expect(
      (await chloe()).contracts.terminate({
        contractId: await contractId(contoso),
        reason: "Contoso ended its training budget early",
      }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: `${contoso} was terminated already` });
    await expect(
      (await chloe()).contracts.enrolClientGroup({
        contractId: await contractId(contoso),
        courseId: await courseId("dementia-care"),
        userIds: [tess],
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: `contractId: ${contoso} was terminated, so it enrols nobody`,
    });
  });
});
