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

const as = async (email: string, at?: Date) =>
  (await signedInCaller({ db: appDb, jobs, ...(at ? { now: () => at } : {}) }, email, "northwind-health"))();
const owner = <T>(work: Parameters<typeof withTenant<T>>[2]) => withTenant(db, { institutionId: northwind }, work);
const lessonId = (courseCode: string, title: string) =>
  owner(
    async (trx) =>
      (
        await trx
          .selectFrom("lessons")
          .innerJoin("courses", "courses.id", "lessons.course_id")
          .select("lessons.id")
          .where("courses.code", "=", courseCode)
          .where("lessons.title", "=", title)
          .executeTakeFirstOrThrow()
      ).id,
  );
let keys = 0;
const key = () => `test-key-${++keys}-${Math.random().toString(36).slice(2)}`;

describe("progress.record", () => {
  it("records a started lesson and answers a repeat as a duplicate", async () => {
    const ada = await as("ada.learner@example.org");
    const event = {
      type: "lesson_started" as const,
      idempotencyKey: key(),
      lessonId: await lessonId("infection-control", "Standard precautions quiz"),
      occurredAt: new Date().toISOString(),
    };
    const first = await ada.progress.record(event);
    expect(first).toMatchObject({ index: 0, status: "accepted" });
    const again = await ada.progress.record(event);
    expect(again).toEqual({ ...first, status: "duplicate" });
  });
});
