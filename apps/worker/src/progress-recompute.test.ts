import { createContextInner } from "@learnops/api/context";
import { recordProgressEvents } from "@learnops/api/progress-recording";
import { createCaller } from "@learnops/api/root";
import { resolveSession } from "@learnops/api/sessions";
import { hashPassword } from "@learnops/auth/passwords";
import { readSessionToken } from "@learnops/auth/session-cookie";
import { progressEventInput } from "@learnops/contracts/progress";
import { loadDemoData } from "@learnops/db/demo-data";
import { withTenant } from "@learnops/db/tenancy";
import { captureLog } from "@learnops/jobs/testing/log";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { waitFor } from "@learnops/jobs/testing/wait-for";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readWorkerEnv } from "./env.ts";
import { type RunningWorker, startWorker } from "./worker.ts";

const { db, appDb, jobs, appUrl } = await setupTestJobQueue();
const { log } = captureLog();
const password = "correct horse battery staple";
let worker: RunningWorker;

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(password) });
  worker = await startWorker(readWorkerEnv({ DATABASE_URL: appUrl }), log);
});
afterAll(() => worker.stop());

/** Chloé (course admin at Northwind), whose changes recompute in the background beyond one learner. */
async function chloe() {
  const headers = new Headers();
  await createCaller(
    createContextInner({ db: appDb, jobs, log, requestId: null, responseHeaders: headers, ip: "10.21.0.1" }),
  ).auth.signIn({ email: "chloe.admin@example.org", password, institutionSlug: "northwind-health" });
  const session = await resolveSession(
    appDb,
    readSessionToken(headers.get("set-cookie")?.split(";")[0] ?? null) ?? "",
    new Date(),
  );
  return createCaller(
    createContextInner({ db: appDb, jobs, log, requestId: "req-recompute", session, inlineRecomputeLearners: 1 }),
  );
}

it("the worker recomputes a large course's learners after an outline change, from the job sent with it", async () => {
  const admin = await chloe();
  const course = await admin.courses.create({ code: "recompute-in-background", title: "Recompute in background" });
  const module = await admin.courses.addModule({ courseId: course.id, title: "Only module" });
  const content = { url: "https://content.example.org/part", provider: "Reader", externalId: null };
  const partA = await admin.courses.addLesson({ moduleId: module.id, title: "Part A", kind: "reading", content });
  await admin.courses.addLesson({ moduleId: module.id, title: "Part B", kind: "reading", content });
  await admin.courses.update({ courseId: course.id, status: "published" });
  const northwind = (
    await db.selectFrom("institutions").select("id").where("slug", "=", "northwind-health").executeTakeFirstOrThrow()
  ).id;
  const learners = await db
    .selectFrom("users")
    .select("id")
    .where("email", "in", ["ada.learner@example.org", "omar.learner@example.org", "leo.learner@example.org"])
    .execute();
  // Each learner has done Part A of two: 50 %. Recorded as an import would, straight into the projections.
  await withTenant(db, { institutionId: northwind }, async (trx) => {
    for (const learner of learners) {
      await trx
        .insertInto("enrolments")
        .values({
          institution_id: northwind,
          user_id: learner.id,
          course_id: course.id,
          source: "manual_grant",
          status: "active",
          status_reason: "Background recompute test",
        })
        .execute();
    }
  });
  for (const learner of learners) {
    await recordProgressEvents(
      appDb,
      { institutionId: northwind, userId: learner.id, clientGroupId: null },
      [
        progressEventInput.parse({
          type: "lesson_completed",
          lessonId: partA.id,
          occurredAt: new Date().toISOString(),
          idempotencyKey: `recompute-${learner.id}`,
        }),
      ],
      "import",
      new Date(),
    );
  }
  const percents = async () =>
    (await db.selectFrom("course_progress").select("percent").where("course_id", "=", course.id).execute()).map(
      (row) => row.percent,
    );
  expect(await percents()).toEqual([50, 50, 50]);

  // A third lesson: beyond one learner, the change answers at once and the worker brings them to a third.
  await admin.courses.addLesson({ moduleId: module.id, title: "Part C", kind: "reading", content });
  await waitFor(
    async () => ((await percents()).every((percent) => percent === 33) ? true : undefined),
    "the learners' percentages to follow the new outline",
    20_000,
  );
  expect(await percents()).toEqual([33, 33, 33]);
});
