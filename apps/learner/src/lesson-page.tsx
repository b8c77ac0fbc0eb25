/**
 * One lesson: asked of the access engine each time it is opened (`access.check`), then either the way to its
 * content, which stays in the tool that hosts it and opens in a new tab, or the reason it does not open.
 */

import { courseIdInput, lessonIdInput } from "@learnops/contracts/catalogue";
import { useTRPC } from "@learnops/ui/api-provider";
import { EmptyState, ErrorState, LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { AppLink } from "@learnops/ui/navigation";
import { skipToken, useQuery } from "@tanstack/react-query";
import { dateText, durationText, lessonKindLabel, modulesInOrder, openContentVerb } from "./learning.ts";
import { BackLink, LearningNavigation, LessonKindIcon, LockIcon, useFocusHeadingWhenShown } from "./learning-parts.tsx";
import { courseHref, myCoursesHref } from "./routes.ts";

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
