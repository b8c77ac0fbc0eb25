/**
 * One lesson: asked of the access engine each time it is opened (`access.check`), then either the way to its
 * content, which stays in the tool that hosts it and opens in a new tab, or the reason it does not open.
 * Below the content, the learner's own progress in it: "Mark complete" for what they judge done themselves
 * (readings, resources), the best score and attempts of a quiz, and the course's progress bar.
 */

import { courseIdInput, lessonIdInput } from "@learnops/contracts/catalogue";
import { describeApiError } from "@learnops/ui/api-errors";
import { useTRPC } from "@learnops/ui/api-provider";
import { Button, EmptyState, ErrorState, LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { useFocusOnShow } from "@learnops/ui/forms";
import { AppLink } from "@learnops/ui/navigation";
import { skipToken, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  type CourseOutline,
  dateText,
  durationText,
  lessonKindLabel,
  lessonsInOrder,
  modulesInOrder,
  nextLesson,
  type OutlineLesson,
  openContentVerb,
  progressOf,
} from "./learning.ts";
import {
  BackLink,
  LearningNavigation,
  LessonKindIcon,
  LockIcon,
  ProgressBar,
  TickIcon,
  useFocusHeadingWhenShown,
} from "./learning-parts.tsx";
import { courseHref, lessonHref, myCoursesHref } from "./routes.ts";

export default function LessonPage({ courseId, lessonId }: { courseId: string; lessonId: string }) {
  const trpc = useTRPC();
  // The decision is taken afresh on every open: access can end at any moment (a refund, a suspension).
  const validAddress = courseIdInput.safeParse({ courseId }).success && lessonIdInput.safeParse({ lessonId }).success;
  const decision = useQuery({
    ...trpc.access.check.queryOptions(validAddress ? { lessonId } : skipToken),
    staleTime: 0,
    gcTime: 0,
  });
  const outline = useQuery(trpc.courses.outline.queryOptions(validAddress ? { courseId } : skipToken));
  const modules = outline.data ? modulesInOrder(outline.data) : [];
  const module = modules.find((candidate) => candidate.lessons.some((lesson) => lesson.id === lessonId));
  const lesson = module?.lessons.find((candidate) => candidate.id === lessonId);
  useDocumentTitle(lesson ? `${lesson.title} · LearnOps` : "Lesson · LearnOps");
  useFocusHeadingWhenShown(decision.isSuccess && outline.isSuccess);

  if (!validAddress) {
    return (
      <>
        <LearningNavigation current={null} />
        <PageHeader title="There is no lesson at this address" />
        <EmptyState title="The link may have been cut short">
          Find the lesson on its course's page, under <AppLink href={myCoursesHref}>My courses</AppLink>.
        </EmptyState>
      </>
    );
  }
  if (decision.isPending || outline.isPending) return <LoadingState label="Opening the lesson…" />;
  if (decision.isError || outline.isError) {
    const failed = decision.isError ? decision : outline;
    return (
      <>
        <LearningNavigation current={null} />
        <BackLink href={outline.data ? courseHref(courseId) : myCoursesHref}>
          {outline.data?.title ?? "My courses"}
        </BackLink>
        <PageHeader title="This lesson could not be opened" />
        <ErrorState error={failed.error} onRetry={() => void failed.refetch()} />
      </>
    );
  }
  const course = outline.data;
  if (!module || !lesson) {
    return (
      <>
        <LearningNavigation current={null} />
        <BackLink href={courseHref(courseId)}>{course.title}</BackLink>
        <PageHeader title="This lesson is not part of the course" />
        <EmptyState title={`${course.title} has no lesson at this address`}>
          <AppLink href={courseHref(courseId)}>See the lessons of {course.title}</AppLink>
        </EmptyState>
      </>
    );
  }

  const facts = [lessonKindLabel[lesson.kind], durationText(lesson.durationMinutes)].filter(Boolean).join(" · ");
  const content = decision.data.allowed ? lesson.content : null;
  return (
    <>
      <LearningNavigation current={null} />
      <BackLink href={courseHref(courseId)}>{course.title}</BackLink>
      <PageHeader title={lesson.title} lead={`${module.title}, ${course.title}`} />
      <section className="card lesson-panel" aria-labelledby="lesson-panel-title">
        <h2 id="lesson-panel-title" className="lesson-kind">
          <LessonKindIcon kind={lesson.kind} />
          {facts}
        </h2>
        {content ? (
          <>
            <p>This lesson is in {content.provider}. It opens in a new tab; come back here when you have finished.</p>
            <a
              className="button button-primary button-start lesson-open"
              href={content.url}
              target="_blank"
              rel="noopener noreferrer"
            >
              <span>
                {openContentVerb[lesson.kind]} in {content.provider}
                <span className="visually-hidden"> (opens in a new tab)</span>
                <span aria-hidden="true"> ↗</span>
              </span>
            </a>
            {decision.data.until ? <p className="meta">Open to you until {dateText(decision.data.until)}</p> : null}
            <LessonProgressPanel course={course} lesson={lesson} provider={content.provider} />
          </>
        ) : (
          <>
            <p className="access-reason">
              <LockIcon />
              <span>
                <strong>This lesson is locked.</strong>{" "}
                {decision.data.allowed ? "It could not be opened just now; try again shortly." : decision.data.reason}
              </span>
            </p>
            <AppLink className="button button-secondary button-start" href={courseHref(courseId)}>
              Back to {course.title}
            </AppLink>
          </>
        )}
      </section>
    </>
  );
}

/** Lessons a learner may say they have finished; the others are completed by what the tools report. */
const markedByLearner: readonly OutlineLesson["kind"][] = ["reading", "resource"];

/** What a lesson's kind says about how it is completed, when the learner cannot mark it themselves. */
function completedBy(kind: OutlineLesson["kind"], provider: string): string {
  switch (kind) {
    case "video":
      return `It is completed once you have watched it in ${provider}.`;
    case "quiz":
      return `Your score is recorded when you take the quiz in ${provider}.`;
    case "assignment":
      return "It is completed once your submission has been reviewed and passed.";
    case "live_session":
      return "It is completed once your attendance is recorded.";
    default:
      return "";
  }
}

function LessonProgressPanel({
  course,
  lesson,
  provider,
}: {
  course: CourseOutline;
  lesson: OutlineLesson;
  provider: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const progress = useQuery(trpc.dashboard.lesson.queryOptions({ lessonId: lesson.id }));
  // Chosen once for this lesson's "Mark complete": a retry after a lost answer sends the same key, and the
  // server answers it as a duplicate instead of recording the completion twice.
  const [idempotencyKey] = useState(() => `portal-${crypto.randomUUID()}`);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [justCompleted, setJustCompleted] = useState(false);
  const markComplete = useMutation(
    trpc.progress.record.mutationOptions({
      onSuccess: async (result) => {
        if (result.status === "rejected") {
          setRefusal(result.reason);
          return;
        }
        setRefusal(null);
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.dashboard.lesson.queryKey({ lessonId: lesson.id }) }),
          queryClient.invalidateQueries({ queryKey: trpc.courses.outline.queryKey({ courseId: course.id }) }),
          queryClient.invalidateQueries({ queryKey: trpc.dashboard.summary.queryKey() }),
        ]);
        setJustCompleted(true);
      },
      onError: (error) => setRefusal(describeApiError(error).message),
    }),
  );
  const outcomeRef = useFocusOnShow(justCompleted);
  const completed = new Set(course.completedLessonIds).has(lesson.id) || Boolean(progress.data?.completedAt);
  const next = completed ? nextLesson(course) : null;

  return (
    <div className="lesson-progress">
      <ProgressBar of={course.title} progress={progressOf(lessonsInOrder(course), course.completedLessonIds)} />
      {lesson.kind === "quiz" && progress.data ? (
        <dl className="quiz-results">
          <div>
            <dt>Best score</dt>
            <dd>
              {progress.data.bestScorePercent === null
                ? "No attempt yet"
                : `${Math.round(progress.data.bestScorePercent)}%`}
            </dd>
          </div>
          <div>
            <dt>Attempts</dt>
            <dd>{progress.data.quizAttempts}</dd>
          </div>
        </dl>
      ) : null}
      {completed ? (
        <div ref={outcomeRef} tabIndex={-1} className="lesson-completed">
          <p className="lesson-state">
            <TickIcon />
            {justCompleted ? "Marked complete" : "Completed"}
            {progress.data?.completedAt && !justCompleted ? ` on ${dateText(progress.data.completedAt)}` : null}
          </p>
          {next ? (
            <p>
              Next lesson: <AppLink href={lessonHref(course.id, next.id)}>{next.title}</AppLink>
            </p>
          ) : null}
        </div>
      ) : markedByLearner.includes(lesson.kind) ? (
        <>
          <p className="meta">Finished with it? Mark it complete to move your progress on.</p>
          <div>
            <Button
              variant="secondary"
              isPending={markComplete.isPending}
              onPress={() =>
                markComplete.mutate({
                  type: "lesson_completed",
                  idempotencyKey,
                  lessonId: lesson.id,
                  occurredAt: new Date().toISOString(),
                })
              }
            >
              Mark complete
            </Button>
          </div>
        </>
      ) : (
        <p className="meta">{completedBy(lesson.kind, provider)}</p>
      )}
      {refusal ? (
        <p role="alert" className="error-state-title">
          Not marked complete: {refusal}
        </p>
      ) : null}
    </div>
  );
}
