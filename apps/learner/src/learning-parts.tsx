/** Small pieces the learner's course pages share: progress bars, lesson kind icons, the learning navigation. */
import type { LessonKind } from "@learnops/contracts/catalogue";
import { AppLink } from "@learnops/ui/navigation";
import { type ReactNode, useEffect, useId } from "react";
import { type Progress, plural } from "./learning.ts";
import { catalogueHref, myCoursesHref } from "./routes.ts";

export interface ProgressBarProps {
  progress: Progress;
  /** What is progressing, for the bar's name: "Infection Prevention and Control", "Foundations". */
  of: string;
  /** The course's own measure (its completion rules may count only required lessons); else the lesson share. */
  percent?: number;
}

/**
 * A bar with the count in words beside it ("2 of 6 lessons completed"): the words name the bar for screen
 * readers, which also read its value; the bar shows it at a glance.
 */
export function ProgressBar({ progress, of, percent }: ProgressBarProps) {
  const labelId = useId();
  const { completed, total } = progress;
  const share = percent ?? (total === 0 ? 0 : Math.round((completed / total) * 100));
  return (
    <div className="progress">
      <p id={labelId} className="progress-label">
        <span className="visually-hidden">Progress in {of}: </span>
        {completed} of {plural(total, "lesson")} completed
      </p>
      <div
        className="progress-track"
        role="progressbar"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={share}
        aria-valuetext={`${share}%`}
      >
        <div className="progress-fill" style={{ width: `${share}%` }} />
      </div>
    </div>
  );
}

const kindPaths: Record<LessonKind, string> = {
  // A play triangle in a rounded screen.
  video: "M4 5h16a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1Zm6 4v6l5-3Z",
  // An open book.
  reading: "M3 5c3-1 6-1 9 1 3-2 6-2 9-1v13c-3-1-6-1-9 1-3-2-6-2-9-1Zm9 1v13",
  // A sheet with a folded corner.
  resource: "M6 3h8l4 4v14H6Zm8 0v4h4M9 12h6M9 16h6",
  // A question mark in a circle.
  quiz: "M12 3a9 9 0 1 1 0 18 9 9 0 0 1 0-18Zm-2.5 6.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.5V14m0 3v.5",
  // A pencil on a line.
  assignment: "M4 20h16M6 16l9-9 3 3-9 9H6Zm7-7 3 3",
  // A camera.
  live_session: "M3 7h12v10H3Zm12 4 6-3v8l-6-3",
};

/** The lesson kind as an icon; decorative, as its label is always written beside it. */
export function LessonKindIcon({ kind }: { kind: LessonKind }) {
  return (
    <svg className="lesson-kind-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={kindPaths[kind]} />
    </svg>
  );
}

export function LockIcon() {
  return (
    <svg className="state-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M6 11h12v9H6Zm3 0V8a3 3 0 0 1 6 0v3" />
    </svg>
  );
}

export function TickIcon() {
  return (
    <svg className="state-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="m5 12 4 4 10-10" />
    </svg>
  );
}

/** The learner's two places to go: their courses and the catalogue, the current one marked. */
export function LearningNavigation({ current }: { current: "myCourses" | "catalogue" | null }) {
  return (
    <nav className="tab-nav" aria-label="Learning">
      <ul>
        <li>
          <AppLink href={myCoursesHref} aria-current={current === "myCourses" ? "page" : undefined}>
            My courses
          </AppLink>
        </li>
        <li>
          <AppLink href={catalogueHref} aria-current={current === "catalogue" ? "page" : undefined}>
            Course catalogue
          </AppLink>
        </li>
      </ul>
    </nav>
  );
}

/** The way back up: to the course from a lesson, to "My courses" or the catalogue from a course. */
export function BackLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <p className="back-link">
      <AppLink href={href}>
        <span aria-hidden="true">‹</span> {children}
      </AppLink>
    </p>
  );
}

/**
 * For a page whose heading waits on data: once it is shown, focus moves to it if navigation left focus on the
 * main landmark (`focusMainHeading` waits half a second for a heading, then settles for the landmark).
 */
export function useFocusHeadingWhenShown(shown: boolean): void {
  useEffect(() => {
    if (!shown) return;
    const main = document.getElementById("main");
    if (!main || document.activeElement !== main) return;
    const heading = main.querySelector<HTMLElement>("h1");
    if (!heading) return;
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }, [shown]);
}
