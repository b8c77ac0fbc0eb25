import { parseApiKey } from "@learnops/auth/api-keys";
import { hashPassword } from "@learnops/auth/passwords";
import { readSessionToken } from "@learnops/auth/session-cookie";
import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { createContextInner } from "../context.ts";
import { createCaller } from "../root.ts";
import { resolveSession } from "../sessions.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const log = pino({ level: "silent" });
const password = "correct horse battery staple";

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(password) });
});

let ip = 0;
async function signIn(email: string, institutionSlug?: string) {
  const headers = new Headers();
  // A different client address per sign-in keeps these tests clear of the per-address rate limit.
  await createCaller(
    createContextInner({ db: appDb, jobs, log, requestId: null, responseHeaders: headers, ip: `10.1.0.${++ip}` }),
  ).auth.signIn({
    email,
    password,
    ...(institutionSlug ? { institutionSlug } : {}),
  });
  return readSessionToken(headers.get("set-cookie")?.split(";")[0] ?? null) ?? "";
}

async function as(email: string, institutionSlug?: string) {
  const token = await signIn(email, institutionSlug);
  return async () =>
    createCaller(
      createContextInner({
        db: appDb,
        jobs,
        log,
        requestId: "req-admin",
        session: await resolveSession(appDb, token, new Date()),
      }),
    );
}

const idOf = async (email: string) =>
  (await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;
const membershipOf = async (email: string, slug: string) =>
  (
    await db
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .innerJoin("institutions", "institutions.id", "memberships.institution_id")
      .select("memberships.id")
      .where("users.email", "=", email)
      .where("institutions.slug", "=", slug)
      .executeTakeFirstOrThrow()
  ).id;
const clientGroupId = async (name: string) =>
  (await db.selectFrom("client_groups").select("id").where("name", "=", name).executeTakeFirstOrThrow()).id;
const lastEvent = async (action: string) =>
  (
    await sql<{ actor_user_id: string; before: unknown; after: unknown }>`
    select actor_user_id, before, after from audit_events where action = ${action} order by id desc limit 1`.execute(db)
  ).rows[0];

describe("people", () => {
  it("lists the institution's people; a client manager sees only their client group", async () => {
    const chloe = await as("chloe.admin@example.org");
    const everyone = await (await chloe()).people.list({});
    expect(everyone.people.map((person) => person.email)).toEqual([
      "ada.learner@example.org",
      "chloe.admin@example.org",
      "ivan.instructor@example.org",
      "kim.manager@example.org",
      "leo.learner@example.org",
      "morgan.lee@example.org",
      "nina.learner@example.org",
      "omar.learner@example.org",
      "priya.learner@example.org",
      "quinn.learner@example.org",
      "ravi.learner@example.org",
      "sam.support@example.org",
    ]);
    // Morgan's memberships elsewhere stay out of Northwind's view.
    expect(
      everyone.people.find((person) => person.email === "morgan.lee@example.org")?.memberships.map((m) => m.role),
    ).toEqual(["learner"]);

    const page = await (await chloe()).people.list({ limit: 2 });
    expect(page.nextAfter).toBe("chloe.admin@example.org");
    expect((await (await chloe()).people.list({ search: "Iv" })).people.map((person) => person.email)).toEqual([
      "ivan.instructor@example.org",
    ]);

    const kim = await as("kim.manager@example.org");
    expect((await (await kim()).people.list({})).people.map((person) => person.email)).toEqual([
      "ada.learner@example.org",
      "kim.manager@example.org",
    ]);
  });

  it("adds new and existing people, and refuses what an admin may not do", async () => {
    const chloe = await as("chloe.admin@example.org");
    const added = await (await chloe()).people.add({
      email: "New.Nurse@Example.org",
      displayName: "New Nurse",
      role: "learner",
    });
    expect(added.newAccount).toBe(true);
    expect(await lastEvent("membership.created")).toMatchObject({
      actor_user_id: await idOf("chloe.admin@example.org"),
      after: { role: "learner", newAccount: true },
    });

    const existing = await (await chloe()).people.add({
      email: "pat.platform@example.org",
      displayName: "Pat",
      role: "instructor",
    });
    expect(existing).toMatchObject({ userId: await idOf("pat.platform@example.org"), newAccount: false });
    await expect(
      (await chloe()).people.add({ email: "pat.platform@example.org", displayName: "Pat", role: "instructor" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(
      (await chloe()).people.add({ email: "x@example.org", displayName: "X", role: "platform_admin" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      (await chloe()).people.add({ email: "x@example.org", displayName: "X", role: "client_manager" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    // ACME's client group does not exist in Northwind.
    await expect(
      (await chloe()).people.add({
        email: "x@example.org",
        displayName: "X",
        role: "learner",
        clientGroupId: await clientGroupId("Globex Corporation"),
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("unlocks a locked address early", async () => {
    const guesser = createCaller(createContextInner({ db: appDb, jobs, log, requestId: null, ip: "10.2.0.1" }));
    for (let attempt = 0; attempt < 10; attempt++) {
      await expect(
        guesser.auth.signIn({ email: "ivan.instructor@example.org", password: "a wrong guess" }),
      ).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    await expect(signIn("ivan.instructor@example.org")).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    const sam = await as("sam.support@example.org");
    await (await sam()).people.unlock({ userId: await idOf("ivan.instructor@example.org") });
    await expect(signIn("ivan.instructor@example.org")).resolves.toMatch(/^[a-z2-7]{32}$/);
    await expect((await sam()).people.unlock({ userId: await idOf("pat.platform@example.org") })).resolves.toEqual({
      unlocked: true,
    });
  });

  it("lets a platform admin suspend an account everywhere, ending its sessions", async () => {
    const morganToken = await signIn("morgan.lee@example.org");
    const pat = await as("pat.platform@example.org", "lakeside-college");
    const morgan = await idOf("morgan.lee@example.org");
    expect(await (await pat()).people.suspendAccount({ userId: morgan })).toEqual({ sessionsEnded: 1 });
    expect(await resolveSession(appDb, morganToken, new Date())).toBeNull();
    await expect(signIn("morgan.lee@example.org")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await (await pat()).people.reactivateAccount({ userId: morgan });
    await expect(signIn("morgan.lee@example.org")).resolves.toMatch(/^[a-z2-7]{32}$/);
    // A course admin may not.
    const chloe = await as("chloe.admin@example.org");
    await expect((await chloe()).people.suspendAccount({ userId: morgan })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("accounts.suspend"),
    });
  });
});

describe("memberships", () => {
  it("change role with before and after in the audit trail, and another institution's answer NOT_FOUND", async () => {
    const chloe = await as("chloe.admin@example.org");
    const ivan = await membershipOf("ivan.instructor@example.org", "northwind-health");
    await (await chloe()).memberships.changeRole({ membershipId: ivan, role: "course_admin" });
    expect(await lastEvent("membership.role_changed")).toMatchObject({
      before: { role: "instructor" },
      after: { role: "course_admin" },
    });
    await (await chloe()).memberships.changeRole({ membershipId: ivan, role: "instructor" });

    const morganAtAcme = await membershipOf("morgan.lee@example.org", "acme-compliance");
    await expect(
      (await chloe()).memberships.changeRole({ membershipId: morganAtAcme, role: "learner" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect((await chloe()).memberships.remove({ membershipId: morganAtAcme })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("suspend ends the person's sessions and keeps them from acting in it", async () => {
    const adaToken = await signIn("ada.learner@example.org");
    const chloe = await as("chloe.admin@example.org");
    const ada = await membershipOf("ada.learner@example.org", "northwind-health");
    await (await chloe()).memberships.suspend({ membershipId: ada });
    expect(await resolveSession(appDb, adaToken, new Date())).toBeNull();
    const again = await signIn("ada.learner@example.org");
    expect((await resolveSession(appDb, again, new Date()))?.membership).toBeNull();
    await (await chloe()).memberships.reactivate({ membershipId: ada });
  });
});

describe("client groups, branding and API keys", () => {
  it("create, rename and remove client groups; a group with members stays", async () => {
    const chloe = await as("chloe.admin@example.org");
    const created = await (await chloe()).clientGroups.create({ name: "Initech Pharmacies" });
    await expect((await chloe()).clientGroups.create({ name: "Initech Pharmacies" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await (await chloe()).clientGroups.rename({ clientGroupId: created.id, name: "Initech Pharmacy Group" });
    expect((await (await chloe()).clientGroups.list()).map((group) => group.name)).toContain("Initech Pharmacy Group");
    await (await chloe()).clientGroups.remove({ clientGroupId: created.id });
    await expect(
      (await chloe()).clientGroups.remove({ clientGroupId: await clientGroupId("Contoso Clinics") }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("update the institution's branding, audited", async () => {
    const chloe = await as("chloe.admin@example.org");
    await (await chloe()).institutions.updateBranding({
      displayName: "Northwind Health Academy",
      primaryColour: "#0a4f96",
      accentColour: "#f2a900",
      logoUrl: "https://cdn.example.org/northwind.svg",
    });
    expect(await (await chloe()).institutions.bySlug({ slug: "northwind-health" })).toMatchObject({
      primaryColour: "#0a4f96",
    });
    expect(await lastEvent("institution.branding_updated")).toMatchObject({
      before: { primary_colour: "#0b5cad" },
      after: { primary_colour: "#0a4f96" },
    });
  });

  it("issue a key once, keep only its hash, and revoke it; another institution cannot", async () => {
    const chloe = await as("chloe.admin@example.org");
    const { id, key } = await (await chloe()).apiKeys.create({ name: "HR system", scopes: ["enrolments:read"] });
    const parsed = parseApiKey(key);
    expect(parsed).not.toBeNull();
    const stored = await db
      .selectFrom("api_keys")
      .select(["public_id", "secret_hash"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(stored.public_id).toBe(parsed?.publicId);
    expect(stored.secret_hash).not.toContain(parsed?.secret ?? "");
    expect((await (await chloe()).apiKeys.list()).map((listed) => [listed.name, listed.revokedAt])).toEqual([
      ["HR system", null],
    ]);

    const acmeAdmin = await as("morgan.lee@example.org", "acme-compliance");
    await expect((await acmeAdmin()).apiKeys.revoke({ apiKeyId: id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await (await chloe()).apiKeys.revoke({ apiKeyId: id });
    expect((await (await chloe()).apiKeys.list())[0]?.revokedAt).not.toBeNull();
  });
});
