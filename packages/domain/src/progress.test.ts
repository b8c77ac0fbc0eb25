import { type CompletionRulesInput, completionRules } from "@learnops/contracts/progress";
import { describe, expect, it } from "vitest";
import {
  type CourseStructure,
  completionRuleProblems,
  continueLessonProgress,
  evaluateCourseProgress,
  eventFitsLesson,
  foldLessonProgress,
  type LessonProgress,
  type LoggedProgressEvent,
  mergedLength,
} from "./progress.ts";

/** Lesson ids as the rules take them (uuids), named for reading. */
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const Q = id(99);
const A1 = id(1);
const A2 = id(2);
const B1 = id(3);
const B2 = id(4);
const B3 = id(5);
const B4 = id(6);
const ELSEWHERE = id(7);

const rules = (input: CompletionRulesInput = {}) => completionRules.parse(input);
const at = (minute: number) => new Date(Date.UTC(2027, 0, 10, 9, minute));
let keys = 0;

function event(type: LoggedProgressEvent["type"], minute: number, fields: Partial<LoggedProgressEvent> = {}) {
  return {
    type,
    occurredAt: at(minute),
    idempotencyKey: `key-${String(++keys).padStart(6, "0")}`,
    positionSeconds: null,
    durationSeconds: null,
    watchedRanges: [],
    score: null,
    maxScore: null,
    passed: null,
    minutes: null,
    ...fields,
  } satisfies LoggedProgressEvent;
}
const video = (minute: number, ranges: [number, number][], duration = 100) =>
  event("video_progress", minute, {
    durationSeconds: duration,
    positionSeconds: ranges.at(-1)?.[1] ?? 0,
    watchedRanges: ranges,
  });
const quiz = (minute: number, score: number, maxScore = 10, passed: boolean | null = null) =>
  event("quiz_attempted", minute, { score, maxScore, passed });

/** Deterministic shuffles (mulberry32), so a failure can be replayed. */
function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe("which events fit which lesson", () => {
  it("takes video progress on videos only and quiz attempts on quizzes only", () => {
    expect(eventFitsLesson("video_progress", "video")).toBe(true);
    expect(eventFitsLesson("video_progress", "reading")).toBe(false);
    expect(eventFitsLesson("quiz_attempted", "quiz")).toBe(true);
    expect(eventFitsLesson("lesson_completed", "quiz")).toBe(false);
    expect(eventFitsLesson("live_session_attended", "live_session")).toBe(true);
    expect(eventFitsLesson("lesson_started", "assignment")).toBe(true);
  });
});

describe("folding a lesson's events", () => {
  it("merges overlapping watched ranges once, clamped to the video", () => {
    expect(
      mergedLength(
        [
          [0, 30],
          [20, 50],
          [90, 130],
          [60, 60],
        ],
        100,
      ),
    ).toBe(60);
  });

  it("completes a video when the merged ranges first reach the rule's share, in any arrival order", () => {
    const events = [video(1, [[0, 40]]), video(2, [[30, 70]]), video(3, [[70, 95]]), video(4, [[0, 10]])];
    const expected = foldLessonProgress({ id: "v", kind: "video" }, events, rules());
    expect(expected).toMatchObject({
      startedAt: at(1),
      completedAt: at(3),
      watchedFraction: 0.95,
      lastPositionSeconds: 10,
      lastActivityAt: at(4),
      eventCount: 4,
    });
    const random = seeded(7);
    for (let round = 0; round < 20; round++) {
      expect(foldLessonProgress({ id: "v", kind: "video" }, shuffled(events, random), rules())).toEqual(expected);
    }
  });

  it("leaves a video open below the share, however often it is played", () => {
    const progress = foldLessonProgress(
      { id: "v", kind: "video" },
      [video(1, [[0, 50]]), video(2, [[0, 50]])],
      rules(),
    );
    expect(progress.completedAt).toBeNull();
    expect(progress.watchedFraction).toBe(0.5);
    expect(foldLessonProgress({ id: "v", kind: "video" }, [event("lesson_completed", 1)], rules()).completedAt).toBe(
      null,
    );
  });

  it("keeps the best quiz score and completes at the first attempt reaching the minimum", () => {
    const events = [quiz(1, 5), quiz(2, 9), quiz(3, 7)];
    expect(foldLessonProgress({ id: Q, kind: "quiz" }, events, rules({ minimumQuizPercent: 70 }))).toMatchObject({
      bestScore: 9,
      bestMaxScore: 10,
      bestScorePercent: 90,
      quizAttempts: 3,
      completedAt: at(2),
    });
    // A per-quiz minimum outranks the course-wide one.
    expect(
      foldLessonProgress(
        { id: Q, kind: "quiz" },
        events,
        rules({ minimumQuizPercent: 50, quizMinimumPercent: { [Q]: 95 } }),
      ).completedAt,
    ).toBeNull();
    // With no minimum, the quiz tool's verdict decides; an attempt without one counts.
    expect(
      foldLessonProgress({ id: Q, kind: "quiz" }, [quiz(1, 2, 10, false), quiz(2, 3, 10, true)], rules()).completedAt,
    ).toEqual(at(2));
  });

  it("counts a live session once the attended minutes add up to the minimum", () => {
    const attended = (minute: number, minutes: number) => event("live_session_attended", minute, { minutes });
    const progress = foldLessonProgress(
      { id: "l", kind: "live_session" },
      [attended(5, 20), attended(1, 15), attended(9, 30)],
      rules({ liveSessionMinimumMinutes: 30 }),
    );
    expect(progress).toMatchObject({ liveMinutes: 65, completedAt: at(5) });
  });

  it("completes an assignment only when it was passed, unless the rules say otherwise", () => {
    const events = [event("lesson_completed", 1), event("assignment_passed", 4)];
    expect(foldLessonProgress({ id: "a", kind: "assignment" }, events, rules()).completedAt).toEqual(at(4));
    expect(
      foldLessonProgress({ id: "a", kind: "assignment" }, events, rules({ assignmentsMustPass: false })).completedAt,
    ).toEqual(at(1));
  });

  it("completes a resource on its download and a reading on the earliest completion", () => {
    expect(foldLessonProgress({ id: "r", kind: "resource" }, [event("resource_downloaded", 3)], rules())).toMatchObject(
      { downloadedAt: at(3), completedAt: at(3) },
    );
    expect(
      foldLessonProgress(
        { id: "r", kind: "reading" },
        [event("lesson_completed", 8), event("lesson_started", 2), event("lesson_completed", 5)],
        rules(),
      ),
    ).toMatchObject({ startedAt: at(2), completedAt: at(5) });
  });
});

describe("folding later events onto a lesson's progress", () => {
  const kinds = ["video", "reading", "resource", "quiz", "assignment", "live_session"] as const;
  const eventOf = (kind: (typeof kinds)[number], minute: number, random: () => number): LoggedProgressEvent => {
    switch (kind) {
      case "video": {
        const start = Math.floor(random() * 80);
        return video(minute, [[start, start + Math.floor(random() * 30)]]);
      }
      case "quiz":
        return quiz(minute, Math.floor(random() * 11), 10, random() < 0.5);
      case "live_session":
        return event("live_session_attended", minute, { minutes: Math.floor(random() * 20) });
      case "assignment":
        return event(random() < 0.3 ? "assignment_passed" : "lesson_started", minute);
      case "resource":
        return event(random() < 0.3 ? "resource_downloaded" : "lesson_started", minute);
      default:
        return event(random() < 0.3 ? "lesson_completed" : "lesson_started", minute);
    }
  };
  const demanding = rules({ minimumQuizPercent: 70, liveSessionMinimumMinutes: 30, videoWatchedFraction: 0.8 });

  it("gives what the whole fold gives, for every kind and any split of an ordered stream", () => {
    const random = seeded(11);
    for (const kind of kinds) {
      const lesson = { id: Q, kind };
      for (let round = 0; round < 30; round++) {
        const events = Array.from({ length: 1 + Math.floor(random() * 12) }, (_, n) => eventOf(kind, n * 2, random));
        const split = Math.floor(random() * events.length);
        const head = foldLessonProgress(lesson, events.slice(0, split), demanding);
        expect(continueLessonProgress(lesson, head, shuffled(events.slice(split), random), demanding)).toEqual(
          foldLessonProgress(lesson, shuffled(events, random), demanding),
        );
      }
    }
  });

  it("declines events older than what it has folded, and a longer video than it measured", () => {
    const lesson = { id: Q, kind: "video" as const };
    const head = foldLessonProgress(lesson, [video(5, [[0, 50]])], rules());
    expect(continueLessonProgress(lesson, head, [video(4, [[50, 60]])], rules())).toBeNull();
    expect(continueLessonProgress(lesson, head, [video(6, [[50, 60]], 200)], rules())).toBeNull();
    expect(continueLessonProgress(lesson, head, [video(6, [[50, 95]])], rules())).toMatchObject({
      completedAt: at(6),
      watchedStretches: [[0, 95]],
    });
  });
});

describe("a course's progress and completion", () => {
  // Module A (a1 required, a2 optional) is the prerequisite of module B (b1 quiz, b2 assignment).
  const structure: CourseStructure = {
    lessons: [
      { id: A1, moduleId: "A", kind: "reading", required: true },
      { id: A2, moduleId: "A", kind: "video", required: false },
      { id: B1, moduleId: "B", kind: "quiz", required: true },
      { id: B2, moduleId: "B", kind: "assignment", required: true },
    ],
    modules: [
      { id: "A", prerequisiteModuleIds: [] },
      { id: "B", prerequisiteModuleIds: ["A"] },
    ],
  };
  const done = (entries: Record<string, number>) =>
    new Map(
      Object.entries(entries).map(([id, minute]) => [id, { completedAt: at(minute), lastActivityAt: at(minute) }]),
    );
  const none = new Map<string, Pick<LessonProgress, "completedAt" | "lastActivityAt">>();

  it("completes when every required lesson is, at the last of them", () => {
    expect(evaluateCourseProgress(structure, done({ [A1]: 1, [B1]: 3, [B2]: 5 }), rules())).toEqual({
      percent: 100,
      lessonCount: 4,
      completedLessons: 3,
      requiredLessons: 3,
      completedRequiredLessons: 3,
      lastActivityAt: at(5),
      completedAt: at(5),
    });
    expect(evaluateCourseProgress(structure, done({ [A1]: 1, [B1]: 3 }), rules())).toMatchObject({
      percent: 66,
      completedAt: null,
    });
    expect(evaluateCourseProgress(structure, none, rules())).toMatchObject({ percent: 0, lastActivityAt: null });
  });

  it("counts a module's lessons only from when its prerequisites are complete", () => {
    // b1 and b2 were completed (an import, an override) before a1: they count from a1's completion.
    const course = evaluateCourseProgress(structure, done({ [B1]: 1, [B2]: 2, [A1]: 9 }), rules());
    expect(course.completedAt).toEqual(at(9));
    expect(evaluateCourseProgress(structure, done({ [B1]: 1, [B2]: 2 }), rules())).toMatchObject({
      completedLessons: 0,
      completedAt: null,
    });
    // Without the prerequisite rule they count as they come.
    expect(
      evaluateCourseProgress(structure, done({ [B1]: 1, [B2]: 2 }), rules({ modulePrerequisites: false })),
    ).toMatchObject({ completedLessons: 2 });
  });

  it("accepts a minimum share of required lessons, dated by the lesson that reached it", () => {
    const share = rules({ requiredLessons: { minimumShare: 0.6 }, assignmentsMustPass: false });
    expect(evaluateCourseProgress(structure, done({ [A1]: 1, [B1]: 4 }), share)).toMatchObject({
      percent: 100,
      completedAt: at(4),
    });
    expect(evaluateCourseProgress(structure, done({ [A1]: 1 }), share).completedAt).toBeNull();
  });

  it("requires every assignment passed and every named quiz, even optional ones", () => {
    const withOptionalQuiz: CourseStructure = {
      ...structure,
      lessons: [
        ...structure.lessons,
        { id: B3, moduleId: "B", kind: "quiz", required: false },
        { id: B4, moduleId: "B", kind: "assignment", required: false },
      ],
    };
    const named = rules({ quizMinimumPercent: { [B3]: 80 } });
    expect(evaluateCourseProgress(withOptionalQuiz, done({ [A1]: 1, [B1]: 2, [B2]: 3 }), named)).toMatchObject({
      completedAt: null,
      percent: 60,
    });
    expect(
      evaluateCourseProgress(withOptionalQuiz, done({ [A1]: 1, [B1]: 2, [B2]: 3, [B3]: 4, [B4]: 6 }), named)
        .completedAt,
    ).toEqual(at(6));
  });

  it("never completes a module whose prerequisites form a cycle", () => {
    const cyclic: CourseStructure = {
      lessons: [{ id: "x", moduleId: "X", kind: "reading", required: true }],
      modules: [{ id: "X", prerequisiteModuleIds: ["X"] }],
    };
    expect(evaluateCourseProgress(cyclic, done({ x: 1 }), rules()).completedAt).toBeNull();
  });

  it("names rules that point at lessons of another course or at lessons that are not quizzes", () => {
    expect(
      completionRuleProblems(structure, rules({ quizMinimumPercent: { [B1]: 80, [A1]: 50, [ELSEWHERE]: 70 } })),
    ).toEqual([
      { lessonId: A1, problem: "not_a_quiz_lesson" },
      { lessonId: ELSEWHERE, problem: "lesson_not_in_course" },
    ]);
  });
});
