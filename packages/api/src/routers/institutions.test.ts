import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createContextInner } from "../context.ts";
import { createCaller } from "../root.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const api = createCaller(createContextInner({ db: appDb, jobs, log: pino({ level: "silent" }), requestId: null }));

describe("institutions", () => {
  it("lists the directory by name with each institution's branding", async () => {
    expect(await api.institutions.directory()).toEqual([]);
    await loadDemoData(db);
    expect(await api.institutions.directory()).toEqual([
      {
        slug: "acme-compliance",
        displayName: "ACME Compliance Training",
        primaryColour: "#1f6f43",
        accentColour: "#b3261e",
        logoUrl: null,
        selfRegistration: false,
      },
      {
        slug: "lakeside-college",
        displayName: "Lakeside Community College",
        primaryColour: "#7a2e8c",
        accentColour: "#2e7d32",
        logoUrl: null,
        selfRegistration: true,
      },
      {
        slug: "northwind-health",
        displayName: "Northwind Health Academy",
        primaryColour: "#0b5cad",
        accentColour: "#f2a900",
        logoUrl: null,
        selfRegistration: false,
      },
    ]);
  });

  it("finds one by slug and answers NOT_FOUND naming the slug otherwise", async () => {
    await loadDemoData(db);
    expect(await api.institutions.bySlug({ slug: "northwind-health" })).toMatchObject({
      displayName: "Northwind Health Academy",
    });
    await expect(api.institutions.bySlug({ slug: "no-such-place" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: 'Institution "no-such-place" was not found',
    });
  });

  it("offers self-registration only where the policies say so with an explicit true", async () => {
    await loadDemoData(db);
    expect(await api.institutions.bySlug({ slug: "lakeside-college" })).toMatchObject({ selfRegistration: true });
    for (const policies of [{ selfRegistration: "yes" }, { selfRegistration: false }, {}]) {
      await db
        .updateTable("institutions")
        .set({ policies: JSON.stringify(policies) })
        .where("slug", "=", "lakeside-college")
        .execute();
      expect(await api.institutions.bySlug({ slug: "lakeside-college" })).toMatchObject({ selfRegistration: false });
    }
  });

  it("refuses a malformed slug as BAD_REQUEST", async () => {
    await expect(api.institutions.bySlug({ slug: "Not A Slug" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
