import { hashPassword } from "@learnops/auth/passwords";
import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { beforeAll, describe, expect, it } from "vitest";
import { demoTestPassword, signedInCaller } from "../testing/sign-in.ts";

const { db, appDb, jobs } = await setupTestJobQueue();

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(demoTestPassword) });
});

const as = async (email: string) => (await signedInCaller({ db: appDb, jobs }, email, "northwind-health"))();

describe("programs", () => {
  it("groups courses in order; learners see published programs with their published courses only", async () => {
    const chloe = await as("chloe.admin@example.org");
    const courses = await chloe.courses.list({});
    const id = (code: string) => courses.find((course) => course.code === code)?.id ?? "";
    const { id: programId } = await chloe.programs.create({
      code: "safe-practice",
      title: "Safe Practice",
      courseIds: [id("medication-safety"), id("safeguarding-adults"), id("infection-control")],
    });
    const ada = await as("ada.learner@example.org");
    expect((await ada.programs.catalogue()).map((program) => program.code)).toEqual(["care-certificate"]);

    await chloe.programs.update({ programId, status: "published" });
    const listed = (await ada.programs.catalogue()).find((program) => program.id === programId);
    // The draft course stays out of the learner's view.
    expect(listed?.courses.map((course) => course.code)).toEqual(["medication-safety", "infection-control"]);
    const forStaff = (await chloe.programs.list()).find((program) => program.id === programId);
    expect(forStaff?.courses.map((course) => course.code)).toEqual([
      "medication-safety",
      "safeguarding-adults",
      "infection-control",
    ]);

    await expect(chloe.programs.create({ code: "safe-practice", title: "Again", courseIds: [] })).rejects.toMatchObject(
      {
        code: "CONFLICT",
      },
    );
    await expect(
      chloe.programs.update({ programId, courseIds: ["00000000-0000-4000-8000-000000000000"] }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
