import type { LessonKind } from "@learnops/contracts/catalogue";
import { type XapiStatement, xapiStatement } from "@learnops/contracts/xapi";
import { describe, expect, it } from "vitest";
import {
  durationSeconds,
  playedSegments,
  type StatementLesson,
  statementToProgressEvent,
  videoExtensions,
  xapiVerbIds,
} from "./xapi.ts";

const statementId = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const receivedAt = new Date("2026-12-03T10:00:00.000Z");

function lesson(kind: LessonKind): StatementLesson {
  return { id: "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", kind, title: `The ${kind}` };
}

function statement(verb: string, extra: Record<string, unknown> = {}): XapiStatement {
  return xapiStatement.parse({
    id: statementId,
    actor: { mbox: "mailto:ada.learner@example.org" },
    verb: { id: verb },
    object: { id: "https://content.example.org/course/lesson" },
    timestamp: "2026-12-03T09:30:00+01:00",
    ...extra,
  });
}

function map(verb: string, kind: LessonKind, extra: Record<string, unknown> = {}) {
  return statementToProgressEvent(statement(verb, extra), statementId, lesson(kind), receivedAt);
}

describe("statementToProgressEvent", () => {
  it("starts a lesson on initialized, launched and attempted, keyed by the statement id", () => {
    for (const verb of [xapiVerbIds.initialized, xapiVerbIds.launched, xapiVerbIds.attempted]) {
      expect(map(verb, "reading")).toEqual({
        outcome: "event",
        event: {
          type: "lesson_started",
          idempotencyKey: statementId,
          lessonId: lesson("reading").id,
          occurredAt: "2026-12-03T08:30:00.000Z",
          metadata: {
            xapiStatementId: statementId,
            verb,
            activityId: "https://content.example.org/course/lesson",
          },
        },
      });
    }
  });

  it("dates a statement without a timestamp when it was received, and keeps registration and platform", () => {
    const mapped = statementToProgressEvent(
      xapiStatement.parse({
        actor: { mbox: "mailto:ada.learner@example.org" },
        verb: { id: xapiVerbIds.launched },
        object: { id: "https://content.example.org/course/lesson" },
        context: { registration: "EC231277-B27B-4C15-8291-D29225B2B8F7", platform: "Articulate" },
      }),
      statementId,
      lesson("reading"),
      receivedAt,
    );
    expect(mapped).toMatchObject({
      event: {
        occurredAt: receivedAt.toISOString(),
        metadata: { registration: "ec231277-b27b-4c15-8291-d29225b2b8f7", platform: "Articulate" },
      },
    });
  });

  it("completes a lesson on completed, and on any verb whose result says completion", () => {
    expect(map(xapiVerbIds.completed, "reading")).toMatchObject({ event: { type: "lesson_completed" } });
    expect(map("http://adlnet.gov/expapi/verbs/terminated", "reading", { result: { completion: true } })).toMatchObject(
      { event: { type: "lesson_completed" } },
    );
  });

  it("counts a completed quiz or live session by its score or minutes, which their completion rules read", () => {
    expect(map(xapiVerbIds.completed, "quiz", { result: { score: { scaled: 0.9 }, success: true } })).toMatchObject({
      event: { type: "quiz_attempted", score: 90, maxScore: 100, passed: true },
    });
    expect(map(xapiVerbIds.completed, "quiz")).toMatchObject({ outcome: "refused", code: "incomplete_result" });
    expect(map(xapiVerbIds.completed, "live_session", { result: { duration: "PT50M" } })).toMatchObject({
      event: { type: "live_session_attended", minutes: 50 },
    });
    expect(map(xapiVerbIds.passed, "live_session")).toMatchObject({
      outcome: "refused",
      code: "incomplete_result",
      reason: expect.stringMatching(/result.duration/),
    });
  });

  it("records a quiz attempt from raw and max, relative to min, passed from success or the verb", () => {
    expect(
      map(xapiVerbIds.scored, "quiz", { result: { score: { raw: 7, min: 2, max: 12 }, success: false } }),
    ).toMatchObject({ event: { type: "quiz_attempted", score: 5, maxScore: 10, passed: false } });
    expect(map(xapiVerbIds.passed, "quiz", { result: { score: { raw: 9, max: 10 } } })).toMatchObject({
      event: { type: "quiz_attempted", score: 9, maxScore: 10, passed: true },
    });
    expect(map(xapiVerbIds.failed, "quiz", { result: { score: { scaled: 0.42 } } })).toMatchObject({
      event: { type: "quiz_attempted", score: 42, maxScore: 100, passed: false },
    });
    const answered = map(xapiVerbIds.answered, "quiz", { result: { score: { scaled: 1 } } });
    expect(answered).toMatchObject({ event: { type: "quiz_attempted", score: 100, maxScore: 100 } });
    expect(answered.outcome === "event" && "passed" in answered.event).toBe(false);
  });

  it("refuses a quiz verb without a usable score, and ignores an unscored answer", () => {
    expect(map(xapiVerbIds.passed, "quiz")).toMatchObject({ outcome: "refused", code: "incomplete_result" });
    expect(map(xapiVerbIds.scored, "quiz", { result: { score: { raw: 3 } } })).toMatchObject({
      outcome: "refused",
      code: "incomplete_result",
      reason: expect.stringMatching(/raw and max, or scaled/),
    });
    expect(map(xapiVerbIds.answered, "quiz", { result: { response: "b" } })).toMatchObject({ outcome: "ignored" });
  });

  it("treats passed outside a quiz as completing the lesson, and ignores failed there", () => {
    expect(map(xapiVerbIds.passed, "reading")).toMatchObject({ event: { type: "lesson_completed" } });
    expect(map(xapiVerbIds.failed, "reading")).toMatchObject({
      outcome: "ignored",
      reason: expect.stringMatching(/quiz lessons; "The reading" is a reading/),
    });
  });

  it("records video progress with position, length and merged played segments", () => {
    const played = map(xapiVerbIds.videoPaused, "video", {
      result: {
        extensions: {
          [videoExtensions.time]: 95.5,
          [videoExtensions.playedSegments]: "0[.]30[,]25[.]60[,]90[.]95.5[,]100[.]",
        },
      },
      context: { extensions: { [videoExtensions.length]: 600 } },
    });
    expect(played).toMatchObject({
      outcome: "event",
      event: {
        type: "video_progress",
        positionSeconds: 95.5,
        durationSeconds: 600,
        watchedRanges: [
          [0, 60],
          [90, 95.5],
        ],
      },
    });
    const seeked = map(xapiVerbIds.videoSeeked, "video", {
      result: { extensions: { [videoExtensions.timeTo]: 700, [videoExtensions.time]: 12 } },
      context: { extensions: { [videoExtensions.length]: 600 } },
    });
    // Seeking past the end is the end.
    expect(seeked).toMatchObject({ event: { type: "video_progress", positionSeconds: 600, watchedRanges: [] } });
    expect(map(xapiVerbIds.videoCompleted, "video")).toMatchObject({ event: { type: "lesson_completed" } });
  });

  it("refuses video statements without a length or position, and on lessons that are not videos", () => {
    expect(
      map(xapiVerbIds.videoPlayed, "video", { result: { extensions: { [videoExtensions.time]: 3 } } }),
    ).toMatchObject({ outcome: "refused", code: "incomplete_result", reason: expect.stringMatching(/length/) });
    expect(
      map(xapiVerbIds.videoPlayed, "video", { context: { extensions: { [videoExtensions.length]: 60 } } }),
    ).toMatchObject({ outcome: "refused", code: "incomplete_result", reason: expect.stringMatching(/position/) });
    expect(map(xapiVerbIds.videoPlayed, "quiz")).toMatchObject({
      outcome: "refused",
      code: "wrong_lesson_kind",
      reason: '"played" applies to video lessons; "The quiz" is a quiz',
    });
  });

  it("records live-session attendance in minutes from result.duration", () => {
    expect(map(xapiVerbIds.attended, "live_session", { result: { duration: "PT1H15M30S" } })).toMatchObject({
      event: { type: "live_session_attended", minutes: 75.5 },
    });
    expect(map(xapiVerbIds.attended, "live_session")).toMatchObject({ code: "incomplete_result" });
    expect(map(xapiVerbIds.attended, "live_session", { result: { duration: "P1M" } })).toMatchObject({
      code: "incomplete_result",
    });
    expect(map(xapiVerbIds.attended, "live_session", { result: { duration: "P2D" } })).toMatchObject({
      code: "invalid_statement",
    });
    expect(map(xapiVerbIds.attended, "video", { result: { duration: "PT5M" } })).toMatchObject({
      code: "wrong_lesson_kind",
    });
  });

  it("records a resource download on experienced or downloaded; experiencing other lessons starts them", () => {
    expect(map(xapiVerbIds.experienced, "resource")).toMatchObject({ event: { type: "resource_downloaded" } });
    expect(map(xapiVerbIds.downloaded, "resource")).toMatchObject({ event: { type: "resource_downloaded" } });
    expect(map(xapiVerbIds.experienced, "reading")).toMatchObject({ event: { type: "lesson_started" } });
    expect(map(xapiVerbIds.downloaded, "reading")).toMatchObject({ code: "wrong_lesson_kind" });
  });

  it("ignores verbs that say nothing LearnOps tracks", () => {
    expect(map("http://adlnet.gov/expapi/verbs/terminated", "video")).toEqual({
      outcome: "ignored",
      reason: '"terminated" records nothing LearnOps tracks',
    });
    expect(map("https://w3id.org/xapi/video/verbs/interacted", "video")).toMatchObject({ outcome: "ignored" });
  });
});

describe("durationSeconds", () => {
  it("reads weeks, days, hours, minutes and fractional seconds, and refuses years and months", () => {
    expect(durationSeconds("PT4M12.5S")).toBe(252.5);
    expect(durationSeconds("P1DT2H")).toBe(93_600);
    expect(durationSeconds("P2W")).toBe(1_209_600);
    expect(durationSeconds("PT0S")).toBe(0);
    expect(durationSeconds("P1Y")).toBeNull();
    expect(durationSeconds("P1M")).toBeNull();
    expect(durationSeconds("PT")).toBeNull();
    expect(durationSeconds("1H")).toBeNull();
  });
});

describe("playedSegments", () => {
  it("merges overlapping segments and leaves out open or unreadable ones", () => {
    expect(playedSegments("10[.]20[,]0[.]5[,]4[.]12[,]x[.]3[,]30[.]25[,]40[.]")).toEqual([[0, 20]]);
    expect(playedSegments(undefined)).toEqual([]);
    expect(playedSegments(42)).toEqual([]);
  });
});
