import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestDatabase } from "@learnops/db/testing/database";
import { expect, it } from "vitest";

const run = promisify(execFile);
const script = path.join(import.meta.dirname, "progress-rebuild.ts");
const { db, url } = await setupTestDatabase();

async function projections() {
  const lessons = await db.selectFrom("lesson_progress").selectAll().orderBy("user_id").orderBy("lesson_id").execute();
  const courses = await db.selectFrom("course_progress").selectAll().orderBy("user_id").orderBy("course_id").execute();
  return {
    lessons: lessons.map(({ updated_at: _updated, ...row }) => row),
    courses: courses.map(({ updated_at: _updated, ...row }) => row),
  };
}

it("rebuilds the demo's projections from its events to the very rows the demo wrote, and restores wiped ones", async () => {
  await loadDemoData(db);
  const demo = await projections();
  expect(demo.lessons.length).toBeGreaterThanOrEqual(5);

  const env = { ...process.env, DATABASE_URL: url };
  const all = await run(process.execPath, [script, "--institution", "northwind-health", "--all"], { env });
  expect(all.stdout).toContain("infection-control: 1 learners, 4 lesson and 1 course progress rows rebuilt");
  expect(await projections()).toEqual(demo);

  await db.deleteFrom("lesson_progress").execute();
  await db.deleteFrom("course_progress").execute();
  await run(process.execPath, [script, "--institution", "northwind-health", "--learner", "ada.learner@example.org"], {
    env,
  });
  expect(await projections()).toEqual(demo);
  expect(
    await db.selectFrom("audit_events").select("actor_user_id").where("action", "=", "progress.rebuilt").execute(),
  ).toHaveLength(8);

  const misuse = await run(process.execPath, [script, "--all"], { env }).then(
    () => null,
    (error: { code: number; stderr: string }) => error,
  );
  expect(misuse?.code).toBe(1);
  expect(misuse?.stderr).toContain("usage: pnpm progress:rebuild");
});
