import { hashPassword } from "@learnops/auth/passwords";
import { loadDemoData } from "@learnops/db/demo-data";
import { withTenant } from "@learnops/db/tenancy";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { beforeAll, describe, expect, it } from "vitest";
import { demoTestPassword, signedInCaller } from "../testing/sign-in.ts";

const { db, appDb, jobs } = await setupTestJobQueue();

let northwind = "";
beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(demoTestPassword) });
  northwind = (
    await db.selectFrom("institutions").select("id").where("slug", "=", "northwind-health").executeTakeFirstOrThrow()
  ).id;
});

const as = async (email: string) => (await signedInCaller({ db: appDb, jobs }, email, "northwind-health"))();

const owner = <T>(work: Parameters<typeof withTenant<T>>[2]) => withTenant(db, { institutionId: northwind }, work);
const courseId = (code: string) =>
  owner(
    async (trx) => (await trx.selectFrom("courses").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id,
  );

describe("learners.search", () => {
  it("finds learners by part of a name, case-insensitively, with their enrolments", async () => {
    const sam = await as("sam.support@example.org");
    const { learners } = await sam.learners.search({ name: "OKAF" });
    expect(learners.map((learner) => learner.email)).toEqual(["ada.learner@example.org"]);
    expect(learners[0]?.enrolments.map((enrolment) => enrolment.course.title).toSorted()).toEqual([
      "Dementia Care Essentials",
      "Infection Prevention and Control",
      "Medication Safety",
    ]);
    expect(learners[0]?.clientGroup?.name).toBe("Contoso Clinics");
  });

  it("filters by course and enrolment state, listing only the matching enrolments", async () => {
    const sam = await as("sam.support@example.org");
    const { learners } = await sam.learners.search({
      courseId: await courseId("infection-control"),
      status: "suspended",
    });
    expect(learners.map((learner) => [learner.email, learner.enrolments.map((e) => e.status)])).toEqual([
      ["nina.learner@example.org", ["suspended"]],
    ]);
    const byEmail = await sam.learners.search({ email: " Morgan.Lee@Example.org " });
    expect(byEmail.learners.map((learner) => learner.displayName)).toEqual(["Morgan Lee"]);
  });

  it("pages by cursor in name order, and refuses a forged cursor", async () => {
    const sam = await as("sam.support@example.org");
    const first = await sam.learners.search({ limit: 3 });
    const second = await sam.learners.search({ limit: 3, cursor: first.nextCursor ?? undefined });
    const names = [...first.learners, ...second.learners].map((learner) => learner.displayName);
    expect(names).toHaveLength(6);
    expect(names).toEqual(names.toSorted());
    expect(new Set(names).size).toBe(6);
    await expect(sam.learners.search({ cursor: "bm9wZQ" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("respects a directory opt-out: client managers do not find the learner by name, staff see the flag", async () => {
    const ada = await as("ada.learner@example.org");
    expect(await ada.learners.setDirectoryOptOut({ optOut: true })).toEqual({ optOut: true });
    expect(await ada.learners.directoryPreference()).toEqual({ isLearner: true, optOut: true });
    try {
      const kim = await as("kim.manager@example.org");
      expect((await kim.learners.search({ name: "Ada" })).learners).toEqual([]);
      // Someone who already knows the exact address still finds the learner.
      expect((await kim.learners.search({ email: "ada.learner@example.org" })).learners).toHaveLength(1);
      const sam = await as("sam.support@example.org");
      expect((await sam.learners.search({ name: "Ada" })).learners[0]).toMatchObject({ directoryOptOut: true });
    } finally {
      await ada.learners.setDirectoryOptOut({ optOut: false });
    }
  });

  it("limits a client manager to their client group", async () => {
    const kim = await as("kim.manager@example.org");
    const { learners } = await kim.learners.search({});
    expect(learners.map((learner) => learner.email)).toEqual(["ada.learner@example.org"]);
    const fabrikam = await owner(
      async (trx) =>
        (
          await trx
            .selectFrom("client_groups")
            .select("id")
            .where("name", "=", "Fabrikam Care Homes")
            .executeTakeFirstOrThrow()
        ).id,
    );
    expect((await kim.learners.search({ clientGroupId: fabrikam })).learners).toEqual([]);
  });

  it("refuses learners and instructors", async () => {
    await expect((await as("ivan.instructor@example.org")).learners.search({})).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(
      (await as("ivan.instructor@example.org")).learners.setDirectoryOptOut({ optOut: true }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });
});
