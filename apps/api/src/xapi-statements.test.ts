import { createHash, randomUUID } from "node:crypto";
import { AccessCache, listenForAccessChanges } from "@learnops/api/access-cache";
import { localPublicUrl as publicUrl } from "@learnops/api/context";
import { issueApiKey } from "@learnops/api/testing/api-keys";
import { parseApiKey } from "@learnops/auth/api-keys";
import { loadDemoData } from "@learnops/db/demo-data";
import { captureLog } from "@learnops/jobs/testing/log";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "./server.ts";

// xAPI intake through HTTP, on a real database and the real progress engine. The mapping of every verb is
// unit-tested in packages/domain/src/xapi.test.ts; this file checks what a tool sees and what is recorded.
const { appDb, db, appUrl, jobs } = await setupTestJobQueue();
const captured = captureLog();
// As main.ts runs the API: with the access cache, kept true by the database's notifications.
const accessCache = new AccessCache();
const accessChanges = listenForAccessChanges(accessCache, { connectionString: appUrl, log: captured.log });
afterAll(() => accessChanges.stop());
const app = createServer({
  services: { db: appDb, jobs, publicUrl, accessCache },
  log: captured.log,
  webAppsDir: null,
});

const adl = "http://adlnet.gov/expapi/verbs/";
const videoVerbs = "https://w3id.org/xapi/video/verbs/";
const videoExtension = "https://w3id.org/xapi/video/extensions/";
const content = "https://content.example.org/xapi-lab";
const readingActivity = "https://tool.example.org/activities/reading-1";
const sharedContent = "https://content.example.org/shared/intro";
const idpEntityId = "https://idp.northwind.example.org/metadata";

let northwind = "";
let lakeside = "";
let xena = "";
let yuri = "";
let foreignLessonUrl = "";
const lessons: Record<string, string> = {};
const keys: Record<"xapi" | "reports" | "revoked" | "expired" | "lakeside", string> = {
  xapi: "",
  reports: "",
  revoked: "",
  expired: "",
  lakeside: "",
};

async function issueKey(institutionId: string, scopes: string[], state: { revoked?: boolean; expired?: boolean } = {}) {
  const revokedAt = state.revoked ? new Date() : null;
  const expiresAt = state.expired ? new Date(Date.now() - 60_000) : null;
  return (await issueApiKey(db, { institutionId, scopes, name: "Video platform", revokedAt, expiresAt })).key;
}

async function addLearner(email: string) {
  const user = await db
    .insertInto("users")
    .values({ email, display_name: email.split("@")[0] ?? email, email_verified_at: new Date() })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db.insertInto("memberships").values({ institution_id: northwind, user_id: user.id, role: "learner" }).execute();
  return user.id;
}

async function addCourse(
  code: string,
  lessonsOfCourse: { key: string; kind: string; url: string; activity?: string }[],
) {
  const course = await db
    .insertInto("courses")
    .values({ institution_id: northwind, code, title: code, status: "published" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const module = await db
    .insertInto("modules")
    .values({ institution_id: northwind, course_id: course.id, position: 0, title: "Everything" })
    .returning("id")
    .executeTakeFirstOrThrow();
  for (const [position, lesson] of lessonsOfCourse.entries()) {
    const row = await db
      .insertInto("lessons")
      .values({
        institution_id: northwind,
        course_id: course.id,
        module_id: module.id,
        position,
        title: lesson.key,
        kind: lesson.kind,
        content_url: lesson.url,
        content_provider: "Tool",
        xapi_activity_id: lesson.activity ?? null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    lessons[lesson.key] = row.id;
  }
  return course.id;
}

beforeAll(async () => {
  await loadDemoData(db);
  const idOf = async (slug: string) =>
    (await db.selectFrom("institutions").select("id").where("slug", "=", slug).executeTakeFirstOrThrow()).id;
  northwind = await idOf("northwind-health");
  lakeside = await idOf("lakeside-college");
  xena = await addLearner("xena.learner@example.org");
  yuri = await addLearner("yuri.learner@example.org");

  const lab = await addCourse("xapi-lab", [
    { key: "video", kind: "video", url: `${content}/video` },
    { key: "reading", kind: "reading", url: `${content}/reading`, activity: readingActivity },
    { key: "resource", kind: "resource", url: `${content}/resource` },
    { key: "quiz", kind: "quiz", url: `${content}/quiz` },
    { key: "live", kind: "live_session", url: `${content}/live` },
    { key: "sharedInLab", kind: "reading", url: sharedContent },
  ]);
  await addCourse("xapi-lab-two", [
    { key: "sharedInTwo", kind: "reading", url: sharedContent },
    { key: "closed", kind: "reading", url: `${content}-two/closed` },
  ]);
  await db
    .insertInto("enrolments")
    .values({ institution_id: northwind, user_id: xena, course_id: lab, source: "manual_grant", status: "active" })
    .execute();

  const idp = await db
    .insertInto("saml_identity_providers")
    .values({
      institution_id: northwind,
      name: "Northwind IdP",
      entity_id: idpEntityId,
      sso_url: "https://idp.northwind.example.org/sso",
      certificates: ["not used here"],
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("saml_identity_links")
    .values({ institution_id: northwind, identity_provider_id: idp.id, name_id: "xena-0042", user_id: xena })
    .execute();

  foreignLessonUrl = (
    await db
      .selectFrom("lessons")
      .select("content_url")
      .where("institution_id", "=", lakeside)
      .executeTakeFirstOrThrow()
  ).content_url;

  keys.xapi = await issueKey(northwind, ["xapi:write"]);
  keys.reports = await issueKey(northwind, ["reports:read"]);
  keys.revoked = await issueKey(northwind, ["xapi:write"], { revoked: true });
  keys.expired = await issueKey(northwind, ["xapi:write"], { expired: true });
  keys.lakeside = await issueKey(lakeside, ["xapi:write"]);
});

function statement(verb: string, activity: string, extra: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    actor: { objectType: "Agent", name: "Xena", mbox: "mailto:xena.learner@example.org" },
    verb: { id: verb, display: { "en-US": verb.split("/").pop() } },
    object: { objectType: "Activity", id: activity },
    timestamp: new Date(Date.now() - 60_000).toISOString(),
    ...extra,
  };
}

interface SendOptions {
  key?: string | null;
  authorization?: string;
  version?: string | null;
  method?: "POST" | "PUT";
  query?: string;
  contentType?: string;
  rawBody?: string;
}

async function send(body: unknown, options: SendOptions = {}) {
  const headers: Record<string, string> = { "Content-Type": options.contentType ?? "application/json" };
  const key = options.key === undefined ? keys.xapi : options.key;
  if (options.authorization) headers.Authorization = options.authorization;
  else if (key) headers.Authorization = `Bearer ${key}`;
  const version = options.version === undefined ? "1.0.3" : options.version;
  if (version) headers["X-Experience-API-Version"] = version;
  const response = await app.request(`/xapi/statements${options.query ?? ""}`, {
    method: options.method ?? "POST",
    headers,
    body: options.rawBody ?? JSON.stringify(body),
  });
  const text = await response.text();
  return { response, status: response.status, body: text ? JSON.parse(text) : null };
}

function eventsOf(idempotencyKeys: string[]) {
  return db
    .selectFrom("progress_events")
    .selectAll()
    .where("idempotency_key", "in", idempotencyKeys)
    .execute()
    .then((rows) => new Map(rows.map((row) => [row.idempotency_key, row])));
}

describe("POST /xapi/statements: what is recorded", () => {
  it("records a statement of each verb family as the normalized event, keyed by its id", async () => {
    const batch = [
      statement(`${adl}initialized`, readingActivity),
      statement(`${adl}completed`, readingActivity),
      statement(`${adl}scored`, `${content}/quiz`, { result: { score: { raw: 8, min: 0, max: 10 }, success: true } }),
      statement(`${videoVerbs}paused`, `${content}/video`, {
        result: {
          extensions: { [`${videoExtension}time`]: 42.5, [`${videoExtension}played-segments`]: "0[.]20[,]15[.]42.5" },
        },
        context: { extensions: { [`${videoExtension}length`]: 300 } },
      }),
      statement(`${adl}attended`, `${content}/live`, { result: { duration: "PT45M" } }),
      statement(`${adl}experienced`, `${content}/resource`),
    ];
    const { response, status, body } = await send(batch);
    expect(status).toBe(200);
    expect(body).toEqual(batch.map((entry) => entry.id));
    expect(response.headers.get("X-Experience-API-Version")).toBe("1.0.3");
    expect(response.headers.get("LearnOps-Statement-Outcomes")).toBe("recorded=6, duplicate=0, ignored=0, refused=0");

    const events = await eventsOf(batch.map((entry) => entry.id));
    const [started, completed, quiz, video, live, resource] = batch.map((entry) => events.get(entry.id));
    expect(started).toMatchObject({
      type: "lesson_started",
      lesson_id: lessons.reading,
      user_id: xena,
      source: "xapi",
    });
    expect(completed).toMatchObject({ type: "lesson_completed", lesson_id: lessons.reading });
    expect(quiz).toMatchObject({
      type: "quiz_attempted",
      lesson_id: lessons.quiz,
      score: 8,
      max_score: 10,
      passed: true,
    });
    expect(video).toMatchObject({
      type: "video_progress",
      lesson_id: lessons.video,
      position_seconds: 42.5,
      duration_seconds: 300,
      watched_ranges: [[0, 42.5]],
    });
    expect(live).toMatchObject({ type: "live_session_attended", lesson_id: lessons.live, minutes: 45 });
    expect(resource).toMatchObject({ type: "resource_downloaded", lesson_id: lessons.resource });
    expect(completed?.metadata).toMatchObject({ xapiStatementId: batch[1]?.id, activityId: readingActivity });
    expect(completed?.occurred_at.toISOString()).toBe(batch[1]?.timestamp);

    const progress = await db
      .selectFrom("lesson_progress")
      .select(["completed_at"])
      .where("user_id", "=", xena)
      .where("lesson_id", "=", lessons.reading ?? "")
      .executeTakeFirstOrThrow();
    expect(progress.completed_at).not.toBeNull();
  });

  it("finds the learner by mbox in any case, mbox_sha1sum, a SAML account link and a LearnOps user id", async () => {
    const sha1 = createHash("sha1").update("mailto:xena.learner@example.org").digest("hex");
    const actors = [
      { mbox: "mailto:Xena.Learner@Example.org" },
      { mbox_sha1sum: sha1.toUpperCase() },
      { account: { homePage: idpEntityId, name: "xena-0042" } },
      { objectType: "Agent", account: { homePage: `${publicUrl}/`, name: xena } },
    ];
    const batch = actors.map((actor) => ({ ...statement(`${adl}launched`, `${content}/video`), actor }));
    const { status, body } = await send(batch);
    expect(status).toBe(200);
    expect(body).toHaveLength(4);
    const events = await eventsOf(batch.map((entry) => entry.id));
    expect([...events.values()].map((event) => event.user_id)).toEqual([xena, xena, xena, xena]);
  });

  it("ignores valid statements that say nothing LearnOps tracks, and answers 200", async () => {
    const terminated = statement(`${adl}terminated`, `${content}/video`);
    const { response, status, body } = await send(terminated);
    expect(status).toBe(200);
    expect(body).toEqual([terminated.id]);
    expect(response.headers.get("LearnOps-Statement-Outcomes")).toBe("recorded=0, duplicate=0, ignored=1, refused=0");
    expect((await eventsOf([terminated.id])).size).toBe(0);
  });

  it("takes one statement with PUT and its statementId, and generates an id for a statement without one", async () => {
    const id = randomUUID();
    const { id: _omitted, ...put } = statement(`${adl}launched`, `${content}/resource`);
    const answer = await send(put, { method: "PUT", query: `?statementId=${id}` });
    expect(answer.status).toBe(204);
    expect((await eventsOf([id])).get(id)).toMatchObject({ type: "lesson_started" });

    const mismatch = await send(statement(`${adl}launched`, `${content}/resource`), {
      method: "PUT",
      query: `?statementId=${randomUUID()}`,
    });
    expect(mismatch).toMatchObject({ status: 400, body: { message: expect.stringMatching(/statementId/) } });

    const generated = await send(put);
    expect(generated.status).toBe(200);
    expect(generated.body[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect((await eventsOf(generated.body)).size).toBe(1);
  });

  it("tells tools which version it speaks, and that it serves no statements back", async () => {
    const response = await app.request("/xapi/about");
    expect(await response.json()).toEqual({ version: ["1.0.3"] });
    expect(response.headers.get("X-Experience-API-Version")).toBe("1.0.3");
    const get = await app.request("/xapi/statements?statementId=3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    expect(get.status).toBe(405);
    expect(get.headers.get("Allow")).toBe("POST, PUT");
  });
});

describe("POST /xapi/statements: a video tool's pings", () => {
  it("are recorded through the access cache, and refused once the enrolment ends", async () => {
    const zoe = await addLearner("zoe.learner@example.org");
    const lab = (
      await db
        .selectFrom("lessons")
        .select("course_id")
        .where("id", "=", lessons.video ?? "")
        .executeTakeFirstOrThrow()
    ).course_id;
    const enrolment = await db
      .insertInto("enrolments")
      .values({ institution_id: northwind, user_id: zoe, course_id: lab, source: "manual_grant", status: "active" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const ping = (seconds: number) =>
      statement(`${videoVerbs}paused`, `${content}/video`, {
        actor: { mbox: "mailto:zoe.learner@example.org" },
        result: {
          extensions: { [`${videoExtension}time`]: seconds, [`${videoExtension}played-segments`]: `0[.]${seconds}` },
        },
        context: { extensions: { [`${videoExtension}length`]: 300 } },
      });
    const stored = () =>
      db
        .selectFrom("lesson_progress")
        .select(["watched_seconds", "last_position_seconds", "event_count"])
        .where("user_id", "=", zoe)
        .where("lesson_id", "=", lessons.video ?? "")
        .executeTakeFirstOrThrow();

    for (const seconds of [30, 60, 90]) expect((await send(ping(seconds))).status).toBe(200);
    expect(await stored()).toEqual({ watched_seconds: 90, last_position_seconds: 90, event_count: 3 });
    // The learner's progress in the course is kept as written: the next ping folds onto it in memory.
    const kept = accessCache.progressState({ institutionId: northwind, userId: zoe }, lab);
    expect(kept?.lessons.find((row) => row.lesson_id === lessons.video)).toMatchObject(await stored());

    // A cancelled enrolment reaches the cache through its notification: the next ping is refused.
    await db.updateTable("enrolments").set({ status: "cancelled" }).where("id", "=", enrolment.id).execute();
    await accessCache.settle();
    const late = ping(120);
    const { status, body } = await send(late);
    expect(status).toBe(400);
    expect(body.statements).toMatchObject([{ id: late.id, outcome: "refused", code: "access_denied" }]);
    expect(await stored()).toEqual({ watched_seconds: 90, last_position_seconds: 90, event_count: 3 });
  });
});

describe("POST /xapi/statements: idempotency", () => {
  it("changes nothing when the same statement comes twice, and refuses its id reused for another statement", async () => {
    const first = statement(`${adl}completed`, `${content}/video`);
    expect((await send(first)).status).toBe(200);
    const again = await send(first);
    expect(again.status).toBe(200);
    expect(again.body).toEqual([first.id]);
    expect(again.response.headers.get("LearnOps-Statement-Outcomes")).toBe(
      "recorded=0, duplicate=1, ignored=0, refused=0",
    );
    expect(
      await db.selectFrom("progress_events").select("id").where("idempotency_key", "=", first.id).execute(),
    ).toHaveLength(1);

    const conflicting = await send({ ...first, verb: { id: `${adl}launched` } });
    expect(conflicting.status).toBe(409);
    expect(conflicting.body).toMatchObject({
      error: "CONFLICT",
      statements: [{ index: 0, id: first.id, outcome: "refused", code: "statement_conflict" }],
    });
  });

  it("acknowledges the resend of a statement without a timestamp, which is dated when first received", async () => {
    const { timestamp: _timestamp, ...undated } = statement(`${adl}launched`, `${content}/quiz`);
    expect((await send(undated)).status).toBe(200);
    const again = await send(undated);
    expect(again.status).toBe(200);
    expect(again.response.headers.get("LearnOps-Statement-Outcomes")).toMatch(/recorded=0, duplicate=1/);
  });
});

describe("POST /xapi/statements: refusals", () => {
  it("records the good statements of a batch and names each refused one with its index and field", async () => {
    const good = statement(`${adl}launched`, readingActivity);
    const goodLast = statement(`${adl}experienced`, `${content}/resource`);
    const { verb: _verb, ...withoutVerb } = statement(`${adl}launched`, readingActivity);
    const batch = [
      statement(`${adl}launched`, readingActivity, { actor: { objectType: "Group", member: [] } }),
      good,
      withoutVerb,
      statement("launched", readingActivity),
      statement(`${adl}scored`, `${content}/quiz`, { result: { score: { raw: 12, min: 0, max: 10 } } }),
      statement(`${adl}voided`, readingActivity, { object: { objectType: "StatementRef", id: good.id } }),
      statement(`${adl}launched`, readingActivity, { object: { objectType: "Agent", mbox: "mailto:a@example.org" } }),
      statement(`${adl}passed`, `${content}/quiz`),
      statement(`${videoVerbs}played`, readingActivity),
      goodLast,
    ];
    const { status, body } = await send(batch);
    expect(status).toBe(400);
    expect(body).toMatchObject({
      error: "BAD_REQUEST",
      message:
        "8 of 10 statements were refused (see statements); the others were taken, and sending them again changes nothing",
      requestId: expect.any(String),
    });
    expect(
      body.statements.map((outcome: { outcome: string; code?: string; path?: string }) => [
        outcome.outcome,
        outcome.code ?? null,
        outcome.path ?? null,
      ]),
    ).toEqual([
      ["refused", "unsupported_actor", "actor.objectType"],
      ["recorded", null, null],
      ["refused", "invalid_statement", "verb"],
      ["refused", "invalid_statement", "verb.id"],
      ["refused", "invalid_statement", "result.score.raw"],
      ["refused", "voiding_not_supported", "verb.id"],
      ["refused", "unsupported_object", "object.objectType"],
      ["refused", "incomplete_result", null],
      ["refused", "wrong_lesson_kind", null],
      ["recorded", null, null],
    ]);
    expect(body.statements[0]).toMatchObject({ index: 0, id: batch[0]?.id, reason: expect.stringMatching(/Groups/) });
    expect(body.statements[5].reason).toMatch(/Voiding statements are not supported/);
    expect((await eventsOf([good.id, goodLast.id])).size).toBe(2);

    const warnings = captured.entries.filter((entry) => entry.msg === "xAPI statements refused");
    expect(warnings.at(-1)).toMatchObject({ refused: 8, recorded: 2, byCode: { invalid_statement: 3 } });
  });

  it("refuses unknown learners and activities, and never reaches another institution's", async () => {
    const batch = [
      statement(`${adl}launched`, `${content}/video`, { actor: { mbox: "mailto:nobody@example.org" } }),
      statement(`${adl}launched`, "https://tool.example.org/activities/unknown"),
      statement(`${adl}launched`, foreignLessonUrl),
      statement(`${adl}launched`, `${content}/video`, { actor: { account: { homePage: idpEntityId, name: "x" } } }),
      statement(`${adl}launched`, `${content}/video`, { actor: { openid: "https://openid.example.org/xena" } }),
      // Staff are not learners, whatever their address.
      statement(`${adl}launched`, `${content}/video`, { actor: { mbox: "mailto:chloe.admin@example.org" } }),
    ];
    const { status, body } = await send(batch);
    expect(status).toBe(400);
    expect(body.statements).toMatchObject([
      {
        index: 0,
        code: "unknown_actor",
        reason: "No learner of this institution matches actor.mbox mailto:nobody@example.org",
      },
      {
        index: 1,
        code: "unknown_activity",
        path: "object.id",
        reason:
          "No lesson of this institution has the xAPI activity id or content address https://tool.example.org/activities/unknown",
      },
      { index: 2, code: "unknown_activity" },
      { index: 3, code: "unknown_actor" },
      { index: 4, code: "unsupported_actor" },
      { index: 5, code: "unknown_actor" },
    ]);

    // Another institution's key knows neither Northwind's learners nor its lessons.
    const foreign = await send(statement(`${adl}launched`, `${content}/video`), { key: keys.lakeside });
    expect(foreign.body.statements).toMatchObject([{ code: "unknown_actor" }]);
    expect((await eventsOf(batch.map((entry) => entry.id))).size).toBe(0);
  });

  it("refuses a lesson the learner may not open, with the access engine's reason", async () => {
    const { status, body } = await send(statement(`${adl}launched`, `${content}-two/closed`));
    expect(status).toBe(400);
    expect(body.statements).toMatchObject([{ code: "access_denied", reason: expect.any(String) }]);
  });

  it("picks the lesson of the learner's own course when several share a content address", async () => {
    const xenas = statement(`${adl}launched`, sharedContent);
    expect((await send(xenas)).status).toBe(200);
    expect((await eventsOf([xenas.id])).get(xenas.id)).toMatchObject({ lesson_id: lessons.sharedInLab });

    const yuris = statement(`${adl}launched`, sharedContent, { actor: { mbox: "mailto:yuri.learner@example.org" } });
    const { body } = await send(yuris);
    expect(body.statements).toMatchObject([
      { code: "ambiguous_activity", reason: expect.stringMatching(/activity id/) },
    ]);
    expect(await db.selectFrom("progress_events").select("id").where("user_id", "=", yuri).execute()).toEqual([]);
  });
});

describe("POST /xapi/statements: the request", () => {
  it("answers 401 without a valid key, 403 without the xapi:write scope, in JSON with the version header", async () => {
    const one = statement(`${adl}launched`, `${content}/video`);
    const missing = await send(one, { key: null });
    expect(missing).toMatchObject({ status: 401, body: { error: "UNAUTHORIZED" } });
    expect(missing.response.headers.get("WWW-Authenticate")).toMatch(/^Basic/);
    expect(missing.response.headers.get("X-Experience-API-Version")).toBe("1.0.3");
    expect(await send(one, { key: `${keys.xapi.slice(0, -4)}aaaa` })).toMatchObject({
      status: 401,
      body: { message: "The API key is not valid" },
    });
    expect(await send(one, { key: keys.revoked })).toMatchObject({
      status: 401,
      body: { message: "The API key has been revoked" },
    });
    expect(await send(one, { key: keys.expired })).toMatchObject({
      status: 401,
      body: { message: "The API key has expired" },
    });
    expect(await send(one, { key: keys.reports })).toMatchObject({
      status: 403,
      body: { error: "FORBIDDEN", message: "This API key lacks the xapi:write scope" },
    });
    expect((await eventsOf([one.id])).size).toBe(0);

    // xAPI tools are configured with a "key" and a "secret" and send them as Basic credentials.
    const basic = await send(one, { authorization: `Basic ${Buffer.from(`${keys.xapi}:`).toString("base64")}` });
    expect(basic.status).toBe(200);
    const asPassword = `Basic ${Buffer.from(`video-platform:${keys.xapi}`).toString("base64")}`;
    expect((await send(one, { authorization: asPassword })).status).toBe(200);
    const revokedAsBasic = `Basic ${Buffer.from(`${keys.revoked}:`).toString("base64")}`;
    expect((await send(one, { authorization: revokedAsBasic })).status).toBe(401);
  });

  it("refuses a key revoked after its last use, although it was read from memory", async () => {
    const key = await issueKey(northwind, ["xapi:write"]);
    const one = () => statement(`${adl}launched`, `${content}/video`);
    expect((await send(one(), { key })).status).toBe(200);
    expect((await send(one(), { key })).status).toBe(200);
    expect(accessCache.size.apiKeys).toBeGreaterThan(0);
    // Revoked as the console does it, committed elsewhere: this instance hears of it before its next answer.
    await db
      .updateTable("api_keys")
      .set({ revoked_at: new Date() })
      .where("public_id", "=", parseApiKey(key)?.publicId ?? "")
      .execute();
    await accessCache.settle();
    expect(await send(one(), { key })).toMatchObject({
      status: 401,
      body: { message: "The API key has been revoked" },
    });
  });

  it("requires X-Experience-API-Version 1.0.x", async () => {
    const one = statement(`${adl}launched`, `${content}/video`);
    expect(await send(one, { version: null })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/X-Experience-API-Version: 1.0.3/) },
    });
    expect((await send(one, { version: "2.0.0" })).status).toBe(400);
    expect((await send(one, { version: "1.0.1" })).status).toBe(200);
  });

  it("refuses malformed, empty, oversized and multipart requests, and a batch reusing an id, recording nothing", async () => {
    expect(await send(null, { rawBody: "{not json" })).toMatchObject({
      status: 400,
      body: { message: "The body is not valid JSON" },
    });
    expect(await send([])).toMatchObject({ status: 400, body: { message: "Send at least one statement" } });
    const many = Array.from({ length: 501 }, () => statement(`${adl}launched`, `${content}/video`));
    expect(await send(many)).toMatchObject({ status: 413, body: { error: "PAYLOAD_TOO_LARGE" } });
    const huge = await send(null, { rawBody: JSON.stringify([{ padding: "x".repeat(4 * 1024 * 1024) }]) });
    expect(huge).toMatchObject({ status: 413, body: { error: "PAYLOAD_TOO_LARGE" } });
    expect(await send(null, { rawBody: "--b\r\n", contentType: "multipart/mixed; boundary=b" })).toMatchObject({
      status: 415,
    });
    const deep = `[{"padding":${"[".repeat(100_000)}${"]".repeat(100_000)}}]`;
    expect(await send(null, { rawBody: deep })).toMatchObject({
      status: 400,
      body: { message: "The body nests deeper than 64 levels" },
    });
    const twin = statement(`${adl}launched`, `${content}/video`);
    const twins = await send([twin, statement(`${adl}launched`, `${content}/reading`), twin]);
    expect(twins).toMatchObject({ status: 400, body: { message: expect.stringMatching(/Statements 0 and 2/) } });
    expect((await eventsOf([twin.id])).size).toBe(0);
  });

  it("answers 4xx, never 500, to odd values a client may send", async () => {
    const base = statement(`${adl}scored`, `${content}/quiz`);
    const bodies: unknown[] = [
      null,
      1,
      [null],
      [[]],
      { ...base, id: 5 },
      { ...base, actor: null },
      { ...base, actor: { account: { homePage: publicUrl, name: "not-a-user-id" } } },
      { ...base, result: { score: { raw: 1e308, min: -1e308, max: 1.5e308 } } },
      {
        ...base,
        verb: { id: `${adl}attended` },
        object: { id: `${content}/live` },
        result: { duration: "PT9999999999H" },
      },
      { ...base, object: { id: `https://content.example.org/${"é".repeat(2000)}` } },
      { ...base, timestamp: "9999-12-31T23:59:59Z" },
      {
        ...base,
        verb: { id: `${videoVerbs}played` },
        object: { id: `${content}/video` },
        result: { extensions: { [`${videoExtension}time`]: 1e300 } },
        context: { extensions: { [`${videoExtension}length`]: 1e300 } },
      },
    ];
    for (const [index, body] of bodies.entries()) {
      const { status } = await send(body);
      expect({ index, status }).toEqual({ index, status: 400 });
    }
    for (const authorization of ["Basic", "Basic !!!", "Bearer lo_", `Basic ${Buffer.from(":").toString("base64")}`]) {
      expect((await send(base, { authorization })).status).toBe(401);
    }
  });
});
