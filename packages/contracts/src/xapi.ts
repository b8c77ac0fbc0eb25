import { z } from "zod";

/**
 * xAPI 1.0.3 statements as `POST /xapi/statements` accepts them from external content and video tools, and
 * the per-statement answers it gives. LearnOps is not a learning record store: it keeps what a statement
 * says about a learner's progress through one of its lessons, as normalized progress events. The shape
 * checks follow the specification (unknown properties refused, exactly one identifier per agent, IRIs,
 * score bounds); refusals of things the specification allows but LearnOps does not support (groups,
 * statement references, voiding) carry a `refusal` code in the issue's params so the answer can name it.
 */

/** The xAPI version LearnOps speaks, sent back in `X-Experience-API-Version`. */
export const xapiVersion = "1.0.3";
/** Versions a client may send in `X-Experience-API-Version` or a statement's `version`. */
export const acceptedXapiVersion = /^1\.0(\.\d+)?$/;
/** At most this many statements in one request; more answer 413. */
export const maxStatementsPerRequest = 500;
/** At most this many bytes in one request's body. */
export const maxStatementsBodyBytes = 4 * 1024 * 1024;
/** Arrays and objects nest at most this deep in a request's body; statements need a dozen levels. */
export const maxStatementsBodyDepth = 64;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`. Counted on the text, without recursion, so a
 * body of a million brackets is refused before anything walks it recursively (and runs out of stack).
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 92)
        index += 1; // a backslash escapes the next character
      else if (char === 34) inString = false;
    } else if (char === 34) inString = true;
    else if (char === 91 || char === 123) {
      depth += 1;
      if (depth > limit) return true;
    } else if (char === 93 || char === 125) depth -= 1;
  }
  return false;
}

export const xapiVerbs = {
  voided: "http://adlnet.gov/expapi/verbs/voided",
} as const;

/** Why a statement was refused: the first part of its per-statement answer. */
export const xapiRefusal = z.enum([
  /** The statement breaks the xAPI specification; `path` names the field. */
  "invalid_statement",
  /** Valid xAPI that LearnOps does not take: */
  "voiding_not_supported",
  "unsupported_actor",
  "unsupported_object",
  /** The actor or activity could not be matched in the key's institution. */
  "unknown_actor",
  "unknown_activity",
  "ambiguous_activity",
  /** The verb needs a result the statement lacks (a score, a duration, a video's length). */
  "incomplete_result",
  /** The verb does not apply to this kind of lesson (a video verb on a reading). */
  "wrong_lesson_kind",
  /** The learner may not open the lesson (no enrolment, expired, prerequisites). */
  "access_denied",
  /** A statement with this id was recorded before with different content. */
  "statement_conflict",
]);
export type XapiRefusal = z.infer<typeof xapiRefusal>;

/** Zod issue params carrying a refusal code other than `invalid_statement`. */
function refusedAs(refusal: XapiRefusal) {
  return { refusal };
}

const iri = (what: string) =>
  z
    .string()
    .max(2048, `${what} has at most 2,048 characters`)
    .regex(/^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/, `${what} must be an absolute IRI, like https://example.org/…`);

/** A language map: `{ "en-US": "completed" }`. */
const languageMap = z.record(
  z
    .string()
    .min(1)
    .max(35)
    .regex(/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/, "Use RFC 5646 language tags, like en-US"),
  z.string().max(10_000),
);

const extensions = z.record(iri("An extension key"), z.json());

/** A UUID in any variant, as xAPI tools generate them; compared in lowercase. */
const uuid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "Use a UUID")
  .transform((value) => value.toLowerCase());

/** ISO 8601 durations as xAPI uses them: `PT1H30M`, `PT4M12.5S`, `P1DT2H`, `P2W`. */
export const isoDuration = z
  .string()
  .max(100)
  .regex(
    /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/,
    "Use an ISO 8601 duration, like PT1H30M or PT4M12.5S",
  );

const timestamp = z.iso
  .datetime({ offset: true, message: "Use an ISO 8601 timestamp, like 2026-12-03T09:30:00Z" })
  // Year 0 and the like are valid ISO 8601 but no learner's progress, and beyond what PostgreSQL stores.
  .refine((value) => Date.parse(value) >= Date.UTC(1970, 0, 1), "A timestamp is after 1970");

const account = z.strictObject({
  homePage: iri("An account's homePage"),
  name: z.string().min(1, "An account has a name").max(256),
});

const agentIdentifiers = ["mbox", "mbox_sha1sum", "openid", "account"] as const;

/** An Agent with exactly one inverse functional identifier. */
export const xapiAgent = z
  .strictObject({
    objectType: z.literal("Agent").optional(),
    name: z.string().max(500).optional(),
    mbox: z
      .string()
      .max(260)
      .regex(/^mailto:[^@\s]+@[^@\s]+$/i, "mbox must be a mailto: IRI, like mailto:ada@example.org")
      .optional(),
    mbox_sha1sum: z
      .string()
      .regex(/^[0-9a-fA-F]{40}$/, "mbox_sha1sum must be 40 hexadecimal characters")
      .optional(),
    openid: iri("openid").optional(),
    account: account.optional(),
  })
  .superRefine((agent, ctx) => {
    const present = agentIdentifiers.filter((key) => agent[key] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          present.length === 0
            ? "An agent needs exactly one of mbox, mbox_sha1sum, openid or account"
            : `An agent has exactly one identifier, not ${present.join(" and ")}`,
      });
    }
  });
export type XapiAgent = z.infer<typeof xapiAgent>;

/** The statement's actor: an Agent. Groups are valid xAPI but name no single learner. */
const actor = z
  .unknown()
  .superRefine((value, ctx) => {
    if (isRecord(value) && value.objectType === "Group") {
      ctx.addIssue({
        code: "custom",
        path: ["objectType"],
        message: "Groups are not supported: send one statement per learner, each with an Agent as actor",
        params: refusedAs("unsupported_actor"),
      });
    }
  })
  .pipe(xapiAgent);

export const xapiVerb = z.strictObject({
  id: iri("A verb's id"),
  display: languageMap.optional(),
});

const activityDefinition = z.looseObject({
  name: languageMap.optional(),
  description: languageMap.optional(),
  type: iri("An activity's type").optional(),
  moreInfo: iri("moreInfo").optional(),
  extensions: extensions.optional(),
});

export const xapiActivity = z.strictObject({
  objectType: z.literal("Activity").optional(),
  id: iri("An activity's id"),
  definition: activityDefinition.optional(),
});
export type XapiActivity = z.infer<typeof xapiActivity>;

/** The statement's object: an Activity (a lesson). Agents, statement references and sub-statements are refused. */
const object = z
  .unknown()
  .superRefine((value, ctx) => {
    if (isRecord(value) && value.objectType !== undefined && value.objectType !== "Activity") {
      ctx.addIssue({
        code: "custom",
        path: ["objectType"],
        message: `Only Activities are supported as objects, not ${String(value.objectType)}: the object names the lesson`,
        params: refusedAs("unsupported_object"),
      });
    }
  })
  .pipe(xapiActivity);

export const xapiScore = z
  .strictObject({
    scaled: z.number().min(-1, "scaled is between -1 and 1").max(1, "scaled is between -1 and 1").optional(),
    raw: z.number().finite().optional(),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
  })
  .superRefine((score, ctx) => {
    if (score.min !== undefined && score.max !== undefined && score.min >= score.max) {
      ctx.addIssue({ code: "custom", path: ["max"], message: "max is greater than min" });
    }
    if (score.raw !== undefined && score.min !== undefined && score.raw < score.min) {
      ctx.addIssue({ code: "custom", path: ["raw"], message: "raw is not below min" });
    }
    if (score.raw !== undefined && score.max !== undefined && score.raw > score.max) {
      ctx.addIssue({ code: "custom", path: ["raw"], message: "raw is not above max" });
    }
  });
export type XapiScore = z.infer<typeof xapiScore>;

export const xapiResult = z.strictObject({
  score: xapiScore.optional(),
  success: z.boolean().optional(),
  completion: z.boolean().optional(),
  response: z.string().max(10_000).optional(),
  duration: isoDuration.optional(),
  extensions: extensions.optional(),
});
export type XapiResult = z.infer<typeof xapiResult>;

const contextActivityList = z.union([xapiActivity, z.array(xapiActivity).max(100)]);

export const xapiContext = z.strictObject({
  registration: uuid.optional(),
  instructor: z.looseObject({}).optional(),
  team: z.looseObject({}).optional(),
  contextActivities: z
    .strictObject({
      parent: contextActivityList.optional(),
      grouping: contextActivityList.optional(),
      category: contextActivityList.optional(),
      other: contextActivityList.optional(),
    })
    .optional(),
  revision: z.string().max(200).optional(),
  platform: z.string().max(200).optional(),
  language: z.string().max(35).optional(),
  statement: z.looseObject({}).optional(),
  extensions: extensions.optional(),
});
export type XapiContext = z.infer<typeof xapiContext>;

const statementShape = z.strictObject({
  id: uuid.optional(),
  actor,
  verb: xapiVerb,
  object,
  result: xapiResult.optional(),
  context: xapiContext.optional(),
  timestamp: timestamp.optional(),
  // Set by a learning record store; accepted so statements relayed from one are not refused, and ignored.
  stored: timestamp.optional(),
  authority: z.looseObject({}).optional(),
  version: z.string().regex(acceptedXapiVersion, "version must be 1.0.x").optional(),
  // Attachments' metadata is allowed; LearnOps keeps no attachments.
  attachments: z.array(z.looseObject({})).max(100).optional(),
});

/**
 * One statement. Voiding statements are refused before the shape is checked: their object is a statement
 * reference, and the reason to give is that voiding is not supported, not that the object is wrong.
 */
export const xapiStatement = z
  .unknown()
  .superRefine((value, ctx) => {
    if (!isRecord(value)) {
      ctx.addIssue({ code: "custom", message: "A statement is a JSON object" });
      return;
    }
    const verb = value.verb;
    if (isRecord(verb) && verb.id === xapiVerbs.voided) {
      ctx.addIssue({
        code: "custom",
        path: ["verb", "id"],
        message:
          "Voiding statements are not supported: progress in LearnOps is append-only; ask the institution's staff to correct a record",
        params: refusedAs("voiding_not_supported"),
      });
    }
  })
  .pipe(statementShape);
export type XapiStatement = z.infer<typeof xapiStatement>;

/** Where a zod issue of a statement check carries a refusal code, that code; otherwise `invalid_statement`. */
export function refusalOfIssue(issue: z.core.$ZodIssue | undefined): XapiRefusal {
  const params = issue && "params" in issue ? issue.params : undefined;
  if (isRecord(params)) {
    const parsed = xapiRefusal.safeParse(params.refusal);
    if (parsed.success) return parsed.data;
  }
  return "invalid_statement";
}

/** What happened to one statement of a request. */
export const xapiStatementOutcome = z.discriminatedUnion("outcome", [
  /** Recorded as a progress event. */
  z.object({ index: z.number().int(), id: z.string(), outcome: z.literal("recorded") }),
  /** Recorded before under this id; nothing changed. */
  z.object({ index: z.number().int(), id: z.string(), outcome: z.literal("duplicate") }),
  /** Valid, about a known learner and lesson, but says nothing LearnOps tracks (e.g. `terminated`). */
  z.object({ index: z.number().int(), id: z.string(), outcome: z.literal("ignored"), reason: z.string() }),
  z.object({
    index: z.number().int(),
    /** Null when the statement had no usable id. */
    id: z.string().nullable(),
    outcome: z.literal("refused"),
    code: xapiRefusal,
    reason: z.string(),
    /** The failing field, dotted (`actor.mbox`, `result.score.raw`), for shape refusals. */
    path: z.string().optional(),
  }),
]);
export type XapiStatementOutcome = z.infer<typeof xapiStatementOutcome>;

/** The body of any refused request, or of a batch in which some statements were refused. */
export interface XapiErrorBody {
  error: "BAD_REQUEST" | "UNAUTHORIZED" | "FORBIDDEN" | "CONFLICT" | "PAYLOAD_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE";
  message: string;
  requestId: string | null;
  /** Per statement, in the order sent, when the request got as far as judging statements. */
  statements?: XapiStatementOutcome[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
