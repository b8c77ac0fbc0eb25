import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { localPublicUrl as publicUrl } from "@learnops/api/context";
import { hashPassword } from "@learnops/auth/passwords";
import { createDatabase } from "@learnops/db/client";
import { loadDemoData } from "@learnops/db/demo-data";
import { findFreePort } from "@learnops/db/testing/free-port";
import { captureLog } from "@learnops/jobs/testing/log";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { afterAll, describe, expect, it } from "vitest";
import { createServer } from "./server.ts";

const { appDb: db, db: ownerDb, jobs } = await setupTestJobQueue();

describe("health and readiness", () => {
  const app = createServer({ services: { db, jobs, publicUrl }, log: captureLog().log, webAppsDir: null });

  it("answers /health while the process is up", async () => {
    const response = await app.request("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers /ready 200 when the database and the job queue answer", async () => {
    const response = await app.request("/ready");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ready: true, database: "up", jobQueue: "up" });
  });

  it("answers /ready 503 naming the part that is down", async () => {
    const unreachable = createDatabase(`postgres://nobody:nothing@127.0.0.1:${await findFreePort()}/none`);
    afterAll(() => unreachable.destroy());
    const degraded = createServer({
      services: { db: unreachable, jobs, publicUrl },
      log: captureLog().log,
      webAppsDir: null,
    });
    const response = await degraded.request("/ready");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ready: false, database: "down", jobQueue: "up" });
  });
});

describe("errors over HTTP", () => {
  it("answers bad input with BAD_REQUEST, the failing field paths and the request id", async () => {
    const app = createServer({ services: { db, jobs, publicUrl }, log: captureLog().log, webAppsDir: null });
    const input = encodeURIComponent(JSON.stringify({ slug: "Bad Slug!" }));
    const response = await app.request(`/trpc/institutions.bySlug?input=${input}`, {
      headers: { "X-Request-Id": "req-bad-input-1" },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("X-Request-Id")).toBe("req-bad-input-1");
    const body = (await response.json()) as { error: { message: string; data: Record<string, unknown> } };
    expect(body.error.message).toBe("Invalid input: slug: Use lowercase letters, digits and single hyphens");
    expect(body.error.data).toEqual({
      code: "BAD_REQUEST",
      httpStatus: 400,
      requestId: "req-bad-input-1",
      fieldIssues: [{ path: "slug", message: "Use lowercase letters, digits and single hyphens" }],
    });
  });

  it("answers NOT_FOUND with 404", async () => {
    const app = createServer({ services: { db, jobs, publicUrl }, log: captureLog().log, webAppsDir: null });
    const input = encodeURIComponent(JSON.stringify({ slug: "nowhere" }));
    const response = await app.request(`/trpc/institutions.bySlug?input=${input}`);
    expect(response.status).toBe(404);
  });

  it("hides an unexpected failure behind a generic message and logs the cause with the request id", async () => {
    const { log, entries } = captureLog();
    const unreachable = createDatabase(`postgres://nobody:nothing@127.0.0.1:${await findFreePort()}/none`);
    afterAll(() => unreachable.destroy());
    const app = createServer({ services: { db: unreachable, jobs, publicUrl }, log, webAppsDir: null });

    const response = await app.request("/trpc/institutions.directory");
    expect(response.status).toBe(500);
    const requestId = response.headers.get("X-Request-Id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const text = await response.text();
    expect(text).not.toMatch(/ECONNREFUSED|stack|at .*\.ts/);
    const body = JSON.parse(text) as { error: { message: string; data: Record<string, unknown> } };
    expect(body.error.message).toContain(`quote the reference ${requestId}`);
    expect(body.error.data).toMatchObject({ code: "INTERNAL_SERVER_ERROR", requestId });

    const logged = entries.find((entry) => entry.msg === "procedure failed");
    expect(logged).toMatchObject({ requestId, procedure: "institutions.directory", level: 50 });
    expect(JSON.stringify(logged?.err)).toContain("ECONNREFUSED");
  });

  it("logs every request with its id, status and duration", async () => {
    const { log, entries } = captureLog();
    const app = createServer({ services: { db, jobs, publicUrl }, log, webAppsDir: null });
    await app.request("/health", { headers: { "X-Request-Id": "req-log-1" } });
    expect(entries.find((entry) => entry.msg === "request")).toMatchObject({
      requestId: "req-log-1",
      method: "GET",
      path: "/health",
      status: 200,
      durationMs: expect.any(Number),
    });
  });
});

describe("web apps", async () => {
  const appsDir = await mkdtemp(path.join(os.tmpdir(), "learnops-web-"));
  for (const folder of ["learner", "instructor", "admin"]) {
    await mkdir(path.join(appsDir, folder, "dist/assets"), { recursive: true });
    await writeFile(path.join(appsDir, folder, "dist/index.html"), `<!doctype html><title>${folder}</title>`);
    await writeFile(path.join(appsDir, folder, "dist/assets/app-1a2b3c.js"), `console.log("${folder}")`);
  }
  const app = createServer({ services: { db, jobs, publicUrl }, log: captureLog().log, webAppsDir: appsDir });

  it.each([
    ["/learn/", "learner"],
    ["/teach/", "instructor"],
    ["/admin/", "admin"],
  ])("serves %s from the %s build, revalidating index.html", async (prefix, folder) => {
    const response = await app.request(prefix);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`<title>${folder}</title>`);
    expect(response.headers.get("Cache-Control")).toBe("no-cache");
  });

  it("answers client-side routes with the app's index.html so a reload works", async () => {
    const response = await app.request("/admin/institutions/northwind-health");
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("<title>admin</title>");
  });

  it("serves hashed assets as immutable", async () => {
    const response = await app.request("/teach/assets/app-1a2b3c.js");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('console.log("instructor")');
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
  });

  it("redirects a prefix without its slash, and the root to the learner portal", async () => {
    expect((await app.request("/admin")).headers.get("Location")).toBe("/admin/");
    expect((await app.request("/")).headers.get("Location")).toBe("/learn/");
  });

  it("answers unknown paths outside the apps with a JSON 404", async () => {
    const response = await app.request("/nothing-here");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "NOT_FOUND", message: "Nothing at /nothing-here" });
  });
});

describe("signing in over HTTP", () => {
  const app = createServer({ services: { db, jobs, publicUrl }, log: captureLog().log, webAppsDir: null });
  const origin = "http://localhost";

  it("sets the session cookie, which then identifies the person, and refuses cross-site mutations that carry it", async () => {
    await loadDemoData(ownerDb, { passwordHash: await hashPassword("a long demo password") });
    const signIn = await app.request(`${origin}/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json", origin },
      body: JSON.stringify({ email: "ivan.instructor@example.org", password: "a long demo password" }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    expect(cookie).toMatch(/^learnops_session=[a-z2-7]{32}$/);

    const session = await app.request(`${origin}/trpc/me.session`, { headers: { cookie } });
    expect(((await session.json()) as { result: { data: { user: { email: string } } } }).result.data.user.email).toBe(
      "ivan.instructor@example.org",
    );

    const forged = await app.request(`${origin}/trpc/auth.signOutEverywhere`, {
      method: "POST",
      headers: { cookie, origin: "https://attacker.example", "content-type": "application/json" },
      body: "{}",
    });
    expect(forged.status).toBe(403);
    const noOrigin = await app.request(`${origin}/trpc/auth.signOutEverywhere`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: "{}",
    });
    expect(noOrigin.status).toBe(403);
    // The forged requests changed nothing: the session still works.
    expect((await app.request(`${origin}/trpc/me.session`, { headers: { cookie } })).status).toBe(200);
    const stillSignedIn = (await (await app.request(`${origin}/trpc/me.session`, { headers: { cookie } })).json()) as {
      result: { data: unknown };
    };
    expect(stillSignedIn.result.data).not.toBeNull();
  });
});

describe("bulk enrolment uploads over HTTP", () => {
  const app = createServer({ services: { db, jobs, publicUrl }, log: captureLog().log, webAppsDir: null });
  const origin = "http://localhost";

  it("validates a CSV body sent by a course admin's page, and refuses one sent from another site", async () => {
    await loadDemoData(ownerDb, { passwordHash: await hashPassword("a long demo password") });
    const signIn = await app.request(`${origin}/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json", origin },
      body: JSON.stringify({ email: "chloe.admin@example.org", password: "a long demo password" }),
    });
    const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    const csv = "email,course\nsomeone.new@example.org,dementia-care\n";

    const sent = await app.request(`${origin}/imports/enrolments?fileName=new.csv`, {
      method: "POST",
      headers: { cookie, origin, host: "localhost", "content-type": "text/csv" },
      body: csv,
    });
    expect(sent.status).toBe(200);
    expect(await sent.json()).toMatchObject({ fileName: "new.csv", status: "validated", totalRows: 1, validRows: 1 });

    const forged = await app.request(`${origin}/imports/enrolments?fileName=new.csv`, {
      method: "POST",
      headers: { cookie, origin: "https://attacker.example", host: "localhost", "content-type": "text/csv" },
      body: csv,
    });
    expect(forged.status).toBe(403);

    const anonymous = await app.request(`${origin}/imports/enrolments?fileName=new.csv`, {
      method: "POST",
      headers: { origin, "content-type": "text/csv" },
      body: csv,
    });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { data: { code: "UNAUTHORIZED" } } });
  });
});
