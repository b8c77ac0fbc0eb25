import type {
  ProgressEventInput,
  ProgressEventSource,
  ProgressItemResult,
  ProgressRejection,
} from "@learnops/contracts/progress";
import {
  acceptedXapiVersion,
  jsonNestsDeeperThan,
  maxStatementsBodyDepth,
  maxStatementsPerRequest,
  refusalOfIssue,
  type XapiAgent,
  type XapiErrorBody,
  type XapiRefusal,
  type XapiStatement,
  type XapiStatementOutcome,
  xapiStatement,
  xapiVersion,
} from "@learnops/contracts/xapi";
import type { Database } from "@learnops/db/client";
import {
  findStatementTargets,
  type StatementActorKey,
  type StatementLearner,
  type StatementLessonRow,
  type StatementSubject,
  type StatementTarget,
} from "@learnops/db/queries/xapi";
import { statementToProgressEvent } from "@learnops/domain/xapi";
import type { Logger } from "pino";
import type { AccessCache } from "./access-cache.ts";
import { authenticateApiKey } from "./api-key-authentication.ts";

/**
 * Records a learner's normalized progress events: the progress engine's `recordProgressEvents`. Passed in,
 * so the intake depends on its signature only (results in input order; it checks access to each lesson).
 */
export type ProgressRecorder = (
  db: Database,
  learner: { institutionId: string; userId: string; clientGroupId: string | null },
  events: readonly ProgressEventInput[],
  source: ProgressEventSource,
  now: Date,
) => Promise<ProgressItemResult[]>;

export interface XapiStatementsRequest {
  /** POST takes one statement or an array; PUT takes one statement whose id is `statementId`. */
  method: "POST" | "PUT";
  authorization: string | undefined;
  /** `X-Experience-API-Version`. */
  version: string | undefined;
  contentType: string | undefined;
  rawBody: string;
  /** PUT's `statementId` query parameter. */
  statementId?: string | undefined;
  /** The platform's own address: `account.homePage` equal to it names a LearnOps user id. */
  publicUrl: string;
  now: Date;
  log: Logger;
  requestId: string | null;
  /** Where the API key is looked up first (see `authenticateApiKey`). */
  accessCache?: AccessCache | null;
}

export interface XapiStatementsAnswer {
  status: 200 | 204 | 400 | 401 | 403 | 409 | 413 | 415;
  /** The statement ids (200), nothing (204), or the error with per-statement outcomes. */
  body: string[] | XapiErrorBody | null;
  headers: Record<string, string>;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The API key in `Authorization`: `Bearer <key>`, or `Basic` with the key as user name or password, the form
 * most xAPI tools are configured with (an endpoint, a "key" and a "secret").
 */
export function presentedApiKey(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const [scheme, credentials] = authorization.trim().split(/\s+/, 2);
  if (!credentials) return null;
  if (scheme?.toLowerCase() === "bearer") return credentials;
  if (scheme?.toLowerCase() !== "basic") return null;
  const decoded = Buffer.from(credentials, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const [user, password] = colon < 0 ? [decoded, ""] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  return password.startsWith("lo_") ? password : user;
}

function failure(
  status: XapiStatementsAnswer["status"],
  error: XapiErrorBody["error"],
  message: string,
  requestId: string | null,
  statements?: XapiStatementOutcome[],
): XapiStatementsAnswer {
  return {
    status,
    body: { error, message, requestId, ...(statements ? { statements } : {}) },
    headers: status === 401 ? { "WWW-Authenticate": 'Basic realm="LearnOps xAPI", charset="UTF-8"' } : {},
  };
}

/** How the actor names the learner, or why LearnOps cannot resolve it. */
function actorKey(actor: XapiAgent, publicUrl: string): StatementActorKey | { refused: string } {
  if (actor.mbox) return { by: "email", email: actor.mbox.slice("mailto:".length) };
  if (actor.mbox_sha1sum) return { by: "mbox_sha1sum", sha1: actor.mbox_sha1sum };
  if (actor.account) {
    const home = actor.account.homePage.replace(/\/+$/, "");
    if (home === publicUrl.replace(/\/+$/, "")) {
      return uuidPattern.test(actor.account.name)
        ? { by: "user_id", userId: actor.account.name.toLowerCase() }
        : { refused: `account.name must be a LearnOps user id when account.homePage is ${publicUrl}` };
    }
    return { by: "saml", identityProviderEntityId: actor.account.homePage, nameId: actor.account.name };
  }
  return { refused: "openid actors are not supported: identify the learner by mbox, mbox_sha1sum or account" };
}

function describeActor(actor: XapiAgent): string {
  if (actor.mbox) return `actor.mbox ${actor.mbox}`;
  if (actor.mbox_sha1sum) return `actor.mbox_sha1sum ${actor.mbox_sha1sum}`;
  if (actor.account) return `actor.account ${actor.account.name} at ${actor.account.homePage}`;
  return "the actor";
}

/** The engine's rejection codes in xAPI intake's terms. */
const engineRefusals: Record<ProgressRejection, XapiRefusal> = {
  invalid_event: "invalid_statement",
  lesson_not_found: "unknown_activity",
  access_denied: "access_denied",
  wrong_lesson_kind: "wrong_lesson_kind",
  idempotency_key_reused: "statement_conflict",
};

/** One statement on its way through: its outcome is set once something decides it. */
interface Judged {
  index: number;
  /** The statement's id, or the one given to it; null when its shape was refused. */
  id: string | null;
  statement: XapiStatement | null;
  outcome: XapiStatementOutcome | null;
}

/** A learner's statements that became progress events, in the order sent. */
interface LearnerEvents {
  learner: StatementLearner;
  items: { entry: Judged; event: ProgressEventInput }[];
}

/** The statements of a request, or the answer refusing the whole request. */
function readStatements(request: XapiStatementsRequest): { raw: unknown[] } | XapiStatementsAnswer {
  const { requestId } = request;
  if (!request.version || !acceptedXapiVersion.test(request.version.trim())) {
    return failure(
      400,
      "BAD_REQUEST",
      `Send the header X-Experience-API-Version: ${xapiVersion} (any 1.0.x is accepted)`,
      requestId,
    );
  }
  if (request.contentType?.toLowerCase().startsWith("multipart/")) {
    return failure(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      "Statements with attachments (multipart/mixed) are not supported: send application/json",
      requestId,
    );
  }
  if (jsonNestsDeeperThan(request.rawBody, maxStatementsBodyDepth)) {
    return failure(400, "BAD_REQUEST", `The body nests deeper than ${maxStatementsBodyDepth} levels`, requestId);
  }
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody);
  } catch {
    return failure(400, "BAD_REQUEST", "The body is not valid JSON", requestId);
  }
  let raw: unknown[];
  if (request.method === "PUT") {
    if (!request.statementId || !uuidPattern.test(request.statementId)) {
      return failure(400, "BAD_REQUEST", "PUT needs the statement's id as the statementId parameter", requestId);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return failure(400, "BAD_REQUEST", "PUT takes one statement, a JSON object", requestId);
    }
    const statementId = request.statementId.toLowerCase();
    const ownId = (body as { id?: unknown }).id;
    if (ownId !== undefined && (typeof ownId !== "string" || ownId.toLowerCase() !== statementId)) {
      return failure(400, "BAD_REQUEST", "The statement's id differs from the statementId parameter", requestId);
    }
    raw = [{ ...body, id: statementId }];
  } else {
    raw = Array.isArray(body) ? body : [body];
  }
  if (!raw.length) return failure(400, "BAD_REQUEST", "Send at least one statement", requestId);
  if (raw.length > maxStatementsPerRequest) {
    return failure(
      413,
      "PAYLOAD_TOO_LARGE",
      `Send at most ${maxStatementsPerRequest} statements per request, not ${raw.length}`,
      requestId,
    );
  }
  return { raw };
}

/** A statement's shape, checked on its own; a refusal names its first failing field and up to five problems. */
function checkShape(value: unknown, index: number): Judged {
  const parsed = xapiStatement.safeParse(value);
  if (parsed.success) {
    // A statement without an id gets one, as a learning record store would give it.
    return { index, id: parsed.data.id ?? crypto.randomUUID(), statement: parsed.data, outcome: null };
  }
  const issues = parsed.error.issues;
  const path = issues[0]?.path.join(".") ?? "";
  const problems = issues.slice(0, 5).map((issue) => {
    const at = issue.path.join(".");
    return at ? `${at}: ${issue.message}` : issue.message;
  });
  const rawId = (value as { id?: unknown } | null)?.id;
  return {
    index,
    id: null,
    statement: null,
    outcome: {
      index,
      id: typeof rawId === "string" && uuidPattern.test(rawId) ? rawId.toLowerCase() : null,
      outcome: "refused",
      code: refusalOfIssue(issues[0]),
      reason: problems.join("; ") + (issues.length > 5 ? ` (and ${issues.length - 5} more)` : ""),
      ...(path ? { path } : {}),
    },
  };
}

type Refusal = { code: XapiRefusal; reason: string; path: "actor" | "object.id" };

/** The lesson of the target's candidates for its learner, or why there is not exactly one. */
function lessonOf(activityId: string, target: StatementTarget): StatementLessonRow | Refusal {
  const candidates = target.lessons;
  if (candidates.length === 1 && candidates[0]) return candidates[0];
  if (!candidates.length) {
    return {
      code: "unknown_activity",
      reason: `No lesson of this institution has the xAPI activity id or content address ${activityId}`,
      path: "object.id",
    };
  }
  // The same content in several courses: the lesson of the course the learner is enrolled in.
  const ofLearner = candidates.filter((lesson) => target.enrolledCourseIds.includes(lesson.course_id));
  if (ofLearner.length === 1 && ofLearner[0]) return ofLearner[0];
  return {
    code: "ambiguous_activity",
    reason: `${activityId} is the content address of several lessons${ofLearner.length ? " of courses this learner is enrolled in" : ""}; give each lesson its own xAPI activity id`,
    path: "object.id",
  };
}

/** What a well-formed statement is about: its subject to look up, or why its actor cannot be resolved. */
function subjectOf(statement: XapiStatement, publicUrl: string): StatementSubject | Refusal {
  const { actor } = statement;
  const key = actorKey(actor, publicUrl);
  if ("refused" in key) {
    return { code: actor.openid ? "unsupported_actor" : "unknown_actor", reason: key.refused, path: "actor" };
  }
  return { key, activityId: statement.object.id };
}

/** The learner and lesson a looked-up subject names, or why not. */
function judgeTarget(
  statement: XapiStatement,
  target: StatementTarget,
): { learner: StatementLearner; lesson: StatementLessonRow } | Refusal {
  if (!target.learner) {
    return {
      code: "unknown_actor",
      reason: `No learner of this institution matches ${describeActor(statement.actor)}`,
      path: "actor",
    };
  }
  const lesson = lessonOf(statement.object.id, target);
  return "code" in lesson ? lesson : { learner: target.learner, lesson };
}

/**
 * Finds who and what each well-formed statement is about, in the key's institution only, and maps it to a
 * progress event. Every distinct actor and activity of the request is looked up at once, in one statement.
 * Statements ignored or refused get their outcome; the events are returned per learner.
 */
async function resolveStatements(
  db: Database,
  institutionId: string,
  judged: readonly Judged[],
  publicUrl: string,
  now: Date,
): Promise<LearnerEvents[]> {
  const subjects = new Map<string, StatementSubject>();
  const pending: { entry: Judged; statement: XapiStatement; id: string; subject: string }[] = [];
  for (const entry of judged) {
    const { statement, id, index } = entry;
    if (!statement || !id) continue;
    const subject = subjectOf(statement, publicUrl);
    if ("code" in subject) {
      entry.outcome = { index, id, outcome: "refused", ...subject };
      continue;
    }
    const name = JSON.stringify([subject.key, subject.activityId]);
    subjects.set(name, subject);
    pending.push({ entry, statement, id, subject: name });
  }
  const found = await findStatementTargets(db, institutionId, [...subjects.values()]);
  const targets = new Map([...subjects.keys()].map((name, i) => [name, found[i]]));

  const byLearner = new Map<string, LearnerEvents>();
  for (const { entry, statement, id, subject } of pending) {
    const { index } = entry;
    const target = targets.get(subject);
    if (!target) throw new Error("a statement's subject was not looked up");
    const judgement = judgeTarget(statement, target);
    if ("code" in judgement) {
      entry.outcome = { index, id, outcome: "refused", ...judgement };
      continue;
    }
    const { learner, lesson } = judgement;
    const mapped = statementToProgressEvent(statement, id, lesson, now);
    if (mapped.outcome === "ignored") {
      entry.outcome = { index, id, outcome: "ignored", reason: mapped.reason };
    } else if (mapped.outcome === "refused") {
      entry.outcome = { index, id, outcome: "refused", code: mapped.code, reason: mapped.reason };
    } else {
      const group = byLearner.get(learner.userId) ?? { learner, items: [] };
      group.items.push({ entry, event: mapped.event });
      byLearner.set(learner.userId, group);
    }
  }
  return [...byLearner.values()];
}

/** A statement's outcome from the engine's answer for its event. */
function outcomeOfResult(entry: Judged, result: ProgressItemResult | undefined): XapiStatementOutcome {
  const { index } = entry;
  const id = entry.id ?? "";
  if (result?.status === "accepted") return { index, id, outcome: "recorded" };
  if (result?.status === "duplicate") return { index, id, outcome: "duplicate" };
  if (!result) return { index, id, outcome: "refused", code: "invalid_statement", reason: "Not recorded" };
  // Without a timestamp a statement is dated when received, so its resend differs in that alone: the
  // specification leaves timestamps out of comparing statements, and so does this answer.
  if (result.code === "idempotency_key_reused" && !entry.statement?.timestamp) {
    return { index, id, outcome: "duplicate" };
  }
  return {
    index,
    id,
    outcome: "refused",
    code: engineRefusals[result.code],
    // The engine speaks of its own event's fields; the statement's is its timestamp.
    reason: result.reason.replace("occurredAt", "timestamp"),
  };
}

/** 200 (204 for PUT) when nothing was refused; else 400, or 409 when every refusal is a reused id. */
function answerFor(
  outcomes: XapiStatementOutcome[],
  method: XapiStatementsRequest["method"],
  log: Logger,
  requestId: string | null,
): XapiStatementsAnswer {
  const counts = { recorded: 0, duplicate: 0, ignored: 0, refused: 0 };
  for (const outcome of outcomes) counts[outcome.outcome] += 1;
  const headers = {
    "LearnOps-Statement-Outcomes": Object.entries(counts)
      .map(([name, count]) => `${name}=${count}`)
      .join(", "),
  };
  const refused = outcomes.filter((outcome) => outcome.outcome === "refused");
  if (!refused.length) {
    log.info(counts, "xAPI statements received");
    if (method === "PUT") return { status: 204, body: null, headers };
    return { status: 200, body: outcomes.map((outcome) => outcome.id ?? ""), headers };
  }

  // One line per request however many statements were refused, with a few examples: a misconfigured tool
  // sending thousands of statements a minute must not flood the log.
  const byCode: Partial<Record<XapiRefusal, number>> = {};
  for (const outcome of refused) byCode[outcome.code] = (byCode[outcome.code] ?? 0) + 1;
  log.warn(
    { ...counts, byCode, examples: refused.slice(0, 5).map(({ index, code, reason }) => ({ index, code, reason })) },
    "xAPI statements refused",
  );
  const conflictsOnly = refused.every((outcome) => outcome.code === "statement_conflict");
  const message =
    outcomes.length === 1
      ? "The statement was refused"
      : `${refused.length} of ${outcomes.length} statements were refused (see statements); the others were taken, and sending them again changes nothing`;
  return {
    ...failure(conflictsOnly ? 409 : 400, conflictsOnly ? "CONFLICT" : "BAD_REQUEST", message, requestId, outcomes),
    headers,
  };
}

/**
 * `POST /xapi/statements` and `PUT /xapi/statements?statementId=…`: authenticates the institution's API key
 * (scope `xapi:write`), checks each statement's shape, finds its learner and lesson in the key's institution,
 * maps it to a progress event and records it through the progress engine, the statement id being the event's
 * idempotency key. Every statement is judged on its own: one refused statement does not lose the others.
 * Answers 200 with the ids (204 for PUT) when every statement was recorded, already recorded, or ignored;
 * otherwise 400 (409 when the only problem is ids reused for other statements) with each statement's outcome.
 */
export async function receiveXapiStatements(
  db: Database,
  request: XapiStatementsRequest,
  recordProgress: ProgressRecorder,
): Promise<XapiStatementsAnswer> {
  const { log, now, requestId } = request;

  const key = presentedApiKey(request.authorization);
  if (!key) {
    log.warn({ reason: "missing_key" }, "xAPI statements refused: authentication");
    return failure(401, "UNAUTHORIZED", "Send the institution's API key: Authorization: Bearer lo_…", requestId);
  }
  const authentication = await authenticateApiKey(db, `Bearer ${key}`, "xapi:write", now, request.accessCache);
  if (!authentication.ok) {
    log.warn({ reason: authentication.reason }, "xAPI statements refused: authentication");
    if (authentication.reason === "missing_scope") {
      return failure(403, "FORBIDDEN", "This API key lacks the xapi:write scope", requestId);
    }
    const messages = {
      unknown: "The API key is not valid",
      revoked: "The API key has been revoked",
      expired: "The API key has expired",
    } as const;
    return failure(401, "UNAUTHORIZED", messages[authentication.reason], requestId);
  }
  const { institutionId } = authentication;

  const read = readStatements(request);
  if (!("raw" in read)) return read;
  const judged = read.raw.map(checkShape);

  // Two statements with one id in one batch: the specification has the whole batch refused.
  const seen = new Map<string, number>();
  for (const { id, index, statement } of judged) {
    if (!id || !statement) continue;
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      return failure(
        400,
        "BAD_REQUEST",
        `Statements ${earlier} and ${index} have the same id ${id}; nothing was recorded`,
        requestId,
      );
    }
    seen.set(id, index);
  }

  // Record, one call per learner; the engine answers per event, in order.
  for (const { learner, items } of await resolveStatements(db, institutionId, judged, request.publicUrl, now)) {
    const results = await recordProgress(
      db,
      { institutionId, userId: learner.userId, clientGroupId: learner.clientGroupId },
      items.map((item) => item.event),
      "xapi",
      now,
    );
    items.forEach(({ entry }, position) => {
      entry.outcome = outcomeOfResult(entry, results[position]);
    });
  }

  const outcomes = judged.map(
    (entry): XapiStatementOutcome =>
      entry.outcome ?? {
        index: entry.index,
        id: entry.id,
        outcome: "refused",
        code: "invalid_statement",
        reason: "Not judged",
      },
  );
  return answerFor(
    outcomes,
    request.method,
    log.child({ institutionId, apiKeyId: authentication.apiKeyId }),
    requestId,
  );
}
