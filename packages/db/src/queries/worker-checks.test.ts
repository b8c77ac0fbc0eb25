import { expect, it } from "vitest";
import { setupTestDatabase } from "../testing/database.ts";
import { completeWorkerCheck, findWorkerCheck, insertWorkerCheck } from "./worker-checks.ts";

const { db } = await setupTestDatabase();

it("keeps the first worker's answer when a job is delivered twice", async () => {
  const check = await insertWorkerCheck(db);
  expect(check.completed_at).toBeNull();

  expect(await completeWorkerCheck(db, { id: check.id, workedBy: "worker-a:1" })).toBe(true);
  const first = await findWorkerCheck(db, check.id);
  expect(first?.worked_by).toBe("worker-a:1");
  expect(first?.completed_at?.getTime()).toBeGreaterThanOrEqual(check.requested_at.getTime());

  expect(await completeWorkerCheck(db, { id: check.id, workedBy: "worker-b:2" })).toBe(true);
  expect(await findWorkerCheck(db, check.id)).toEqual(first);
});

it("reports a check that does not exist", async () => {
  expect(await completeWorkerCheck(db, { id: "00000000-0000-4000-8000-000000000000", workedBy: "w:1" })).toBe(false);
});
