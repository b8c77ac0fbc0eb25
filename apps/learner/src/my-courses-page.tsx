/**
 * "My courses", the signed-in learner's home: each enrolment as a card with its progress and its next step,
 * or, when the course does not open now, the reason in words.
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
import { useQueries, useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import {
  type CourseOutline,
  dateText,
  enrolmentStatusText,
  lessonsInOrder,
  type MyEnrolment,
  nextLesson,
  progressOf,
  withAccess,
} from "./learning.ts";
import { LearningNavigation, LockIcon, ProgressBar } from "./learning-parts.tsx";
import { catalogueHref, courseHref, lessonHref } from "./routes.ts";

export function MyCoursesPage({ institutionName }: { institutionName: string | null }) {
  const trpc = useTRPC();
  useDocumentTitle("My courses · LearnOps");
  const enrolments = useQuery(trpc.enrolments.mine.queryOptions(undefined, { select: withAccess }));
  // Progress comes from each course's outline: what is completed, and which lesson opens next.
  const outlines = useQueries({
    queries: (enrolments.data ?? []).map((enrolment) =>
      trpc.courses.outline.queryOptions({ courseId: enrolment.course.id }),
    ),
  });

  let body: ReactNode;
  if (enrolments.isPending) body = <LoadingState label="Loading your courses…" />;
  else if (enrolments.isError) {
    body = (
      <ErrorState
        title="Your courses could not be loaded"
        error={enrolments.error}
        onRetry={() => void enrolments.refetch()}
      />
    );
  } else if (enrolments.data.length === 0) {
    body = (
      <EmptyState title="You are not enrolled in any course yet">
        Find one in the <AppLink href={catalogueHref}>course catalogue</AppLink>. Courses your employer or{" "}
        {institutionName ?? "your institution"} enrols you in appear here too.
      </EmptyState>
    );
  } else {
    const cards = enrolments.data.map((enrolment, index) => ({ enrolment, outline: outlines[index] }));
    // Courses that open now first: they are where the learner goes on.
    cards.sort(
      (a, b) =>
        Number(b.enrolment.access.allowed) - Number(a.enrolment.access.allowed) ||
        a.enrolment.course.title.localeCompare(b.enrolment.course.title),
    );
    body = (
      <ul className="course-cards">
        {cards.map(({ enrolment, outline }) => (
          <EnrolmentCard
            key={enrolment.id}
            enrolment={enrolment}
            outline={outline?.data ?? null}
            outlineFailed={outline?.isError ?? false}
          />
        ))}
      </ul>
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

function EnrolmentCard({
  enrolment,
  outline,
  outlineFailed,
}: {
  enrolment: MyEnrolment;
  outline: CourseOutline | null;
  outlineFailed: boolean;
}) {
  const status = enrolmentStatusText(enrolment);
  const { access } = enrolment;
  const details = [
    enrolment.cohort?.name,
    access.allowed && access.until ? `Open until ${dateText(access.until)}` : null,
  ].filter(Boolean);

  return (
    <li className="course-card">
      <div className="course-card-head">
        <h2 className="course-card-title">
          <AppLink href={courseHref(enrolment.course.id)}>{enrolment.course.title}</AppLink>
        </h2>
        <StatusBadge tone={status.tone}>{status.label}</StatusBadge>
      </div>
      {details.length ? <p className="meta">{details.join(" · ")}</p> : null}
      {outline ? (
        <ProgressBar
          of={enrolment.course.title}
          progress={progressOf(lessonsInOrder(outline), outline.completedLessonIds)}
        />
      ) : outlineFailed ? (
        <p className="meta">Your progress could not be loaded just now.</p>
      ) : null}
      {access.allowed ? null : (
        <p className="access-reason">
          <LockIcon />
          <span>{access.reason}</span>
        </p>
      )}
      {access.allowed && outline ? (
        <NextStep courseId={enrolment.course.id} outline={outline} completed={enrolment.status === "completed"} />
      ) : null}
    </li>
  );
}

/** The card's one action: start or continue with the next lesson that opens, or look back over the course. */
function NextStep({ courseId, outline, completed }: { courseId: string; outline: CourseOutline; completed: boolean }) {
  // A completed course is looked back over, whichever lessons were marked along the way.
  const lesson = completed ? null : nextLesson(outline);
  if (!lesson) {
    return (
      <AppLink className="button button-secondary button-start" href={courseHref(courseId)}>
        Review the course<span className="visually-hidden"> {outline.title}</span>
      </AppLink>
    );
  }
  const started = outline.completedLessonIds.length > 0;
  return (
    <div className="next-step">
      <p className="next-step-lesson">
        <span className="meta">Next lesson</span> {lesson.title}
      </p>
      <AppLink className="button button-primary button-start" href={lessonHref(courseId, lesson.id)}>
        {started ? "Continue" : "Start"}
        <span className="visually-hidden"> {outline.title}</span>
      </AppLink>
    </div>
  );
}
