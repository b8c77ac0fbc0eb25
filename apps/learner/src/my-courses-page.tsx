/**
 * "My courses", the signed-in learner's home: what is due soon, then each enrolment as a card with its
 * progress and its next step, or, when the course does not open now, the reason in words. Everything comes
 * from one request (`dashboard.summary`), however many courses there are.
 */
import { useTRPC } from "@learnops/ui/api-provider";
import {
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  StatusBadge,
  useDocumentTitle,
} from "@learnops/ui/components";
import { AppLink } from "@learnops/ui/navigation";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useId } from "react";
import { type DashboardCourse, type DashboardSummary, dateText, enrolmentStatusText } from "./learning.ts";
import { LearningNavigation, LockIcon, ProgressBar } from "./learning-parts.tsx";
import { catalogueHref, courseHref, lessonHref } from "./routes.ts";

/** Deadlines this close are shown on the home page (overdue ones always are). */
const deadlineDays = 14;

export function MyCoursesPage({ institutionName }: { institutionName: string | null }) {
  const trpc = useTRPC();
  useDocumentTitle("My courses · LearnOps");
  const summary = useQuery(trpc.dashboard.summary.queryOptions({ deadlineDays }));

  let body: ReactNode;
  if (summary.isPending) body = <LoadingState label="Loading your courses…" />;
  else if (summary.isError) {
    body = (
      <ErrorState
        title="Your courses could not be loaded"
        error={summary.error}
        onRetry={() => void summary.refetch()}
      />
    );
  } else if (summary.data.courses.length === 0) {
    body = (
      <EmptyState title="You are not enrolled in any course yet">
        Find one in the <AppLink href={catalogueHref}>course catalogue</AppLink>. Courses your employer or{" "}
        {institutionName ?? "your institution"} enrols you in appear here too.
      </EmptyState>
    );
  } else {
    // Courses that open now first: they are where the learner goes on.
    const courses = [...summary.data.courses].sort(
      (a, b) => Number(b.access.allowed) - Number(a.access.allowed) || a.course.title.localeCompare(b.course.title),
    );
    body = (
      <>
        <ComingUp summary={summary.data} />
        <ul className="course-cards">
          {courses.map((course) => (
            <CourseCard key={course.enrolmentId} course={course} />
          ))}
        </ul>
      </>
    );
  }

  return (
    <>
      <LearningNavigation current="myCourses" />
      <PageHeader
        title="My courses"
        lead={
          institutionName
            ? `Your courses with ${institutionName}, and where to go on.`
            : "Your courses, and where to go on."
        }
      />
      {body}
    </>
  );
}

/** Deadlines missed or near, and assignments still to pass, across every course; nothing when none. */
function ComingUp({ summary }: { summary: DashboardSummary }) {
  const headingId = useId();
  const deadlines = summary.courses
    .flatMap((course) => course.deadlines.map((deadline) => ({ ...deadline, course: course.course })))
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  // An assignment whose deadline is listed already is not listed twice.
  const listed = new Set(deadlines.map((deadline) => deadline.targetId));
  const assignments = summary.courses.flatMap((course) =>
    course.status === "completed"
      ? []
      : course.pendingAssignments
          .filter((assignment) => !listed.has(assignment.lessonId))
          .map((assignment) => ({ ...assignment, course: course.course })),
  );
  if (!deadlines.length && !assignments.length) return null;
  return (
    <section className="card coming-up" aria-labelledby={headingId}>
      <h2 id={headingId}>Coming up</h2>
      {deadlines.length ? (
        <>
          <h3 className="coming-up-title">Deadlines in the next {summary.deadlineDays} days</h3>
          <ul className="coming-up-list">
            {deadlines.map((deadline) => (
              <li key={deadline.deadlineId}>
                <span className="coming-up-what">
                  <AppLink href={courseHref(deadline.course.id)}>{deadline.title}</AppLink>
                  <span className="meta">{deadline.course.title}</span>
                </span>
                <span className="coming-up-when">
                  {deadline.overdue ? <StatusBadge tone="critical">Overdue</StatusBadge> : null}
                  <span>
                    Due {dateText(deadline.dueAt)}
                    {deadline.extended ? <span className="meta"> (extended)</span> : null}
                  </span>
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {assignments.length ? (
        <>
          <h3 className="coming-up-title">Assignments to pass</h3>
          <ul className="coming-up-list">
            {assignments.map((assignment) => (
              <li key={assignment.lessonId}>
                <span className="coming-up-what">
                  <AppLink href={courseHref(assignment.course.id)}>{assignment.title}</AppLink>
                  <span className="meta">{assignment.course.title}</span>
                </span>
                <span className="coming-up-when">
                  {assignment.dueAt ? `Due ${dateText(assignment.dueAt)}` : "No deadline"}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function CourseCard({ course }: { course: DashboardCourse }) {
  const status = enrolmentStatusText(course);
  const { access, progress } = course;
  const completed = course.status === "completed" || progress.completedAt !== null;
  const details = [
    course.cohort?.name,
    access.allowed && access.until ? `Open until ${dateText(access.until)}` : null,
  ].filter(Boolean);

  return (
    <li className="course-card">
      <div className="course-card-head">
        <h2 className="course-card-title">
          <AppLink href={courseHref(course.course.id)}>{course.course.title}</AppLink>
        </h2>
        <StatusBadge tone={status.tone}>{status.label}</StatusBadge>
      </div>
      {details.length ? <p className="meta">{details.join(" · ")}</p> : null}
      {completed && progress.completedLessons === 0 ? null : (
        <ProgressBar
          of={course.course.title}
          progress={{ completed: progress.completedLessons, total: progress.totalLessons }}
          percent={progress.percent}
        />
      )}
      {access.allowed ? null : (
        <p className="access-reason">
          <LockIcon />
          <span>{access.reason}</span>
        </p>
      )}
      {access.allowed ? <NextStep course={course} completed={completed} /> : null}
    </li>
  );
}

/** The card's one action: start or continue with the next lesson that opens, or look back over the course. */
function NextStep({ course, completed }: { course: DashboardCourse; completed: boolean }) {
  const lesson = completed ? null : course.nextLesson;
  if (!lesson) {
    return (
      <AppLink className="button button-secondary button-start" href={courseHref(course.course.id)}>
        Review the course<span className="visually-hidden"> {course.course.title}</span>
      </AppLink>
    );
  }
  return (
    <div className="next-step">
      <p className="next-step-lesson">
        <span className="meta">Next lesson</span> {lesson.title}
      </p>
      <AppLink className="button button-primary button-start" href={lessonHref(course.course.id, lesson.id)}>
        {course.progress.completedLessons > 0 ? "Continue" : "Start"}
        <span className="visually-hidden"> {course.course.title}</span>
      </AppLink>
    </div>
  );
}
