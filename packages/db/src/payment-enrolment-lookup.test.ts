import { beforeAll, describe, expect, it } from "vitest";
import { loadDemoData } from "./demo-data.ts";
import { withPaymentEnrolmentLookup } from "./tenancy.ts";
import { setupTestDatabase } from "./testing/database.ts";

// The payment webhook learns an enrolment's institution through this one policy: it must show that row
// and nothing else, and allow no change.
const { db, appDb } = await setupTestDatabase();
let enrolmentId = "";

beforeAll(async () => {
  await loadDemoData(db);
  enrolmentId = (
    await db
      .selectFrom("enrolments")
      .select("id")
      .where("status", "=", "pending")
      .where("payment_state", "=", "pending")
      .executeTakeFirstOrThrow()
  ).id;
});

describe("the payment_enrolment_lookup policy", () => {
  it("shows the one enrolment named, and no other row of any tenant table", async () => {
    const seen = await withPaymentEnrolmentLookup(appDb, enrolmentId, async (trx) => ({
      enrolments: await trx.selectFrom("enrolments").select(["id", "institution_id"]).execute(),
      courses: await trx.selectFrom("courses").select("id").execute(),
      paymentEvents: await trx.selectFrom("payment_events").select("id").execute(),
    }));
    const owner = await db
      .selectFrom("enrolments")
      .select("institution_id")
      .where("id", "=", enrolmentId)
      .executeTakeFirstOrThrow();
    expect(seen).toEqual({
      enrolments: [{ id: enrolmentId, institution_id: owner.institution_id }],
      courses: [],
      paymentEvents: [],
    });
  });

  it("shows no enrolment without the setting, and lets nothing be changed through it", async () => {
    expect(await appDb.selectFrom("enrolments").select("id").execute()).toEqual([]);
    const changed = await withPaymentEnrolmentLookup(appDb, enrolmentId, (trx) =>
      trx.updateTable("enrolments").set({ status: "active" }).where("id", "=", enrolmentId).executeTakeFirst(),
    );
    expect(changed.numUpdatedRows).toBe(0n);
    expect(
      await db.selectFrom("enrolments").select("status").where("id", "=", enrolmentId).executeTakeFirstOrThrow(),
    ).toEqual({ status: "pending" });
  });
});
