/**
 * What an xAPI statement says in the progress engine's terms. Pure: the caller has checked the statement's
 * shape, found its learner and its lesson, and passes the time it was received.
 *
 * One statement becomes at most one progress event, keyed by the statement's id, so sending it again changes
 * nothing. Statements that are valid but say nothing LearnOps tracks (`terminated`, `interacted`, …) are
 * ignored, not refused: tools send them as a matter of course, and refusing them would make a conforming
 * tool treat every session as failing.
 */
import type { LessonKind } from "@learnops/contracts/catalogue";
import { type ProgressEventInput, progressEventInput } from "@learnops/contracts/progress";
import type { XapiResult, XapiStatement } from "@learnops/contracts/xapi";

const adl = "http://adlnet.gov/expapi/verbs/";
const video = "https://w3id.org/xapi/video/verbs/";
const videoExtension = "https://w3id.org/xapi/video/extensions/";

export const xapiVerbIds = {
  initialized: `${adl}initialized`,
  launched: `${adl}launched`,
  attempted: `${adl}attempted`,
  completed: `${adl}completed`,
  passed: `${adl}passed`,
  failed: `${adl}failed`,
  scored: `${adl}scored`,
  answered: `${adl}answered`,
  attended: `${adl}attended`,
  experienced: `${adl}experienced`,
  downloaded: "http://id.tincanapi.com/verb/downloaded",
  videoPlayed: `${video}played`,
  videoPaused: `${video}paused`,
  videoSeeked: `${video}seeked`,
  videoCompleted: `${video}completed`,
} as const;

/** The video profile's extensions (https://w3id.org/xapi/video). */
export const videoExtensions = {
  time: `${videoExtension}time`,
  timeTo: `${videoExtension}time-to`,
  playedSegments: `${videoExtension}played-segments`,
  length: `${videoExtension}length`,
} as const;

export interface StatementLesson {
  id: string;
  kind: LessonKind;
  title: string;
}

export type StatementMapping =
  | { outcome: "event"; event: ProgressEventInput }
  | { outcome: "ignored"; reason: string }
  | {
      outcome: "refused";
      code: "incomplete_result" | "wrong_lesson_kind" | "invalid_statement";
      reason: string;
    };

const kindNames: Record<LessonKind, string> = {
  video: "a video",
  reading: "a reading",
  resource: "a resource",
  quiz: "a quiz",
  assignment: "an assignment",
  live_session: "a live session",
};

/** The last path segment of a verb IRI, for messages: `…/verbs/passed` -> `passed`. */
function verbName(verbId: string): string {
  return (
    verbId
      .replace(/[/#]+$/, "")
      .split(/[/#]/)
      .pop() ?? verbId
  );
}

/**
 * An ISO 8601 duration in seconds. Years and months have no fixed length, so durations using them are
 * refused (null); weeks and days are taken as 7 and 1 × 24 hours.
 */
export function durationSeconds(duration: string): number | null {
  const match =
    /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      duration,
    );
  if (!match || duration === "P" || duration.endsWith("T")) return null;
  const [, years, months, weeks, days, hours, minutes, seconds] = match;
  if (years || months) return null;
  const part = (value: string | undefined) => (value ? Number(value) : 0);
  return part(weeks) * 604_800 + part(days) * 86_400 + part(hours) * 3_600 + part(minutes) * 60 + part(seconds);
}

/**
 * The video profile's played segments (`"0[.]5.2[,]5.2[.]10"`) as watched ranges, merged and in order.
 * A segment still open (`"12[.]"`) or unreadable is left out: the next statement will carry it whole.
 */
export function playedSegments(value: unknown): Array<[number, number]> {
  if (typeof value !== "string" || value === "") return [];
  const ranges: Array<[number, number]> = [];
  for (const segment of value.split("[,]")) {
    const [start, end] = segment.split("[.]").map((part) => (part.trim() === "" ? Number.NaN : Number(part)));
    if (start === undefined || end === undefined) continue;
    if (!Number.isFinite(start) || !Number.isFinite(end) || start < 0 || end < start) continue;
    ranges.push([start, end]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged.slice(0, 1000);
}

function numberExtension(extensions: Record<string, unknown> | undefined, key: string): number | undefined {
  const value = extensions?.[key];
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A quiz score from xAPI's score: raw within [min, max] when both bounds are known, else scaled as a percentage. */
function quizScore(result: XapiResult | undefined): { score: number; maxScore: number } | null {
  const score = result?.score;
  if (!score) return null;
  if (score.raw !== undefined && score.max !== undefined) {
    const min = score.min ?? 0;
    if (score.max - min <= 0) return null;
    return { score: Math.max(0, score.raw - min), maxScore: score.max - min };
  }
  if (score.scaled !== undefined) return { score: Math.max(0, Math.round(score.scaled * 10_000) / 100), maxScore: 100 };
  return null;
}

const truncate = (value: string, length = 500) => (value.length > length ? `${value.slice(0, length)}…` : value);

/**
 * Maps one checked statement about a known learner and lesson to a progress event, or says why it is ignored
 * or refused. `statementId` is the statement's id (generated when it had none); `receivedAt` dates a
 * statement without a timestamp.
 */
export function statementToProgressEvent(
  statement: XapiStatement,
  statementId: string,
  lesson: StatementLesson,
  receivedAt: Date,
): StatementMapping {
  const verb = statement.verb.id;
  const name = verbName(verb);
  const result = statement.result;
  const base = {
    idempotencyKey: statementId,
    lessonId: lesson.id,
    occurredAt: (statement.timestamp ? new Date(statement.timestamp) : receivedAt).toISOString(),
    metadata: {
      xapiStatementId: statementId,
      verb: truncate(verb),
      activityId: truncate(statement.object.id),
      ...(statement.context?.registration ? { registration: statement.context.registration } : {}),
      ...(statement.context?.platform ? { platform: truncate(statement.context.platform, 200) } : {}),
    },
  };
  const wrongKind = (applies: string): StatementMapping => ({
    outcome: "refused",
    code: "wrong_lesson_kind",
    reason: `"${name}" applies to ${applies}; "${lesson.title}" is ${kindNames[lesson.kind]}`,
  });
  const incomplete = (reason: string): StatementMapping => ({ outcome: "refused", code: "incomplete_result", reason });
  const checked = (event: ProgressEventInput): StatementMapping => {
    // The engine's own checks, here so that a statement it would refuse is named with its field.
    const parsed = progressEventInput.safeParse(event);
    if (parsed.success) return { outcome: "event", event: parsed.data };
    const issue = parsed.error.issues[0];
    return {
      outcome: "refused",
      code: "invalid_statement",
      reason: `${issue?.path.join(".") || "event"}: ${issue?.message ?? "not a valid progress event"}`,
    };
  };

  const attendance = (): StatementMapping => {
    if (!result?.duration) return incomplete(`"${name}" on a live session needs result.duration, like PT45M`);
    const seconds = durationSeconds(result.duration);
    if (seconds === null) {
      return incomplete(`result.duration must be in weeks, days, hours, minutes or seconds, not years or months`);
    }
    if (seconds > 86_400) {
      return { outcome: "refused", code: "invalid_statement", reason: "A live session lasts at most 24 hours" };
    }
    return checked({ ...base, type: "live_session_attended", minutes: Math.round((seconds / 60) * 100) / 100 });
  };
  const quizAttempt = (): StatementMapping => {
    const score = quizScore(result);
    if (!score) return incomplete(`"${name}" on a quiz needs result.score with raw and max, or scaled`);
    const passed =
      result?.success ?? (verb === xapiVerbIds.passed ? true : verb === xapiVerbIds.failed ? false : undefined);
    return checked({ ...base, type: "quiz_attempted", ...score, ...(passed === undefined ? {} : { passed }) });
  };
  // Quizzes and live sessions are completed by the course's rules over their scores and minutes, never by a
  // bare "completed": such a statement counts for what it carries.
  const completion = (): StatementMapping => {
    if (lesson.kind === "quiz") return quizAttempt();
    if (lesson.kind === "live_session") return attendance();
    return checked({ ...base, type: "lesson_completed" });
  };

  switch (verb) {
    case xapiVerbIds.videoPlayed:
    case xapiVerbIds.videoPaused:
    case xapiVerbIds.videoSeeked: {
      if (lesson.kind !== "video") return wrongKind("video lessons");
      const length = numberExtension(statement.context?.extensions, videoExtensions.length);
      if (length === undefined || length <= 0) {
        return incomplete(`"${name}" needs the video's length in context.extensions["${videoExtensions.length}"]`);
      }
      const watchedRanges = playedSegments(result?.extensions?.[videoExtensions.playedSegments]);
      const time =
        verb === xapiVerbIds.videoSeeked
          ? numberExtension(result?.extensions, videoExtensions.timeTo)
          : numberExtension(result?.extensions, videoExtensions.time);
      const position = time ?? watchedRanges.at(-1)?.[1];
      if (position === undefined) {
        const key = verb === xapiVerbIds.videoSeeked ? videoExtensions.timeTo : videoExtensions.time;
        return incomplete(`"${name}" needs the position in result.extensions["${key}"]`);
      }
      return checked({
        ...base,
        type: "video_progress",
        positionSeconds: Math.min(position, length),
        durationSeconds: length,
        watchedRanges: watchedRanges.map(([start, end]) => [Math.min(start, length), Math.min(end, length)]),
      });
    }
    case xapiVerbIds.videoCompleted:
      if (lesson.kind !== "video") return wrongKind("video lessons");
      return completion();
    case xapiVerbIds.completed:
      return completion();
    case xapiVerbIds.initialized:
    case xapiVerbIds.launched:
    case xapiVerbIds.attempted:
      return checked({ ...base, type: "lesson_started" });
    case xapiVerbIds.passed:
    case xapiVerbIds.failed:
    case xapiVerbIds.scored:
    case xapiVerbIds.answered: {
      if (lesson.kind !== "quiz") {
        // A content package may report passing a check inside a reading: that completes the lesson at most.
        if (verb === xapiVerbIds.passed || result?.completion === true) return completion();
        return {
          outcome: "ignored",
          reason: `"${name}" is recorded for quiz lessons; "${lesson.title}" is ${kindNames[lesson.kind]}`,
        };
      }
      if (verb === xapiVerbIds.answered && !result?.score) {
        return { outcome: "ignored", reason: `"answered" without a score is one question, not a quiz attempt` };
      }
      return quizAttempt();
    }
    case xapiVerbIds.attended:
      if (lesson.kind !== "live_session") return wrongKind("live sessions");
      return attendance();
    case xapiVerbIds.experienced:
    case xapiVerbIds.downloaded:
      if (lesson.kind === "resource") return checked({ ...base, type: "resource_downloaded" });
      if (verb === xapiVerbIds.downloaded) return wrongKind("resource lessons");
      // Experiencing a video or reading is opening it; whether that completes it is the course's rule.
      return checked({ ...base, type: "lesson_started" });
    default:
      if (result?.completion === true) return completion();
      return { outcome: "ignored", reason: `"${name}" records nothing LearnOps tracks` };
  }
}
