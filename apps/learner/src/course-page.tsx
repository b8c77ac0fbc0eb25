/**
 * One course as the learner sees it: their progress, the modules in order with each lesson's kind, length and
 * whether it opens (and if not, why); for someone not enrolled, how to join: buy it, or redeem a code.
 */
import { courseIdInput } from "@learnops/contracts/catalogue";
import { redeemPromotionInput } from "@learnops/contracts/enrolment";
import { describeApiError } from "@learnops/ui/api-errors";
import { useTRPC } from "@learnops/ui/api-provider";
import { Button, EmptyState, ErrorState, LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { FormField, useFocusOnShow } from "@learnops/ui/forms";
import { AppLink } from "@learnops/ui/navigation";
import { skipToken, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useId, useState } from "react";
import {
  type CourseOutline,
  dateText,
  durationText,
  lengthText,
  lessonKindLabel,
  lessonsInOrder,
  type MyEnrolment,
  modulesInOrder,
  nextLesson,
  type OutlineLesson,
  type OutlineModule,
  priceText,
  progressOf,
  withAccess,
} from "./learning.ts";
import {
  LearningNavigation,
  LessonKindIcon,
  LockIcon,
  ProgressBar,
  TickIcon,
  useFocusHeadingWhenShown,
} from "./learning-parts.tsx";
import { catalogueHref, lessonHref, myCoursesHref } from "./routes.ts";

export default function CoursePage({ courseId }: { courseId: string }) {
  const trpc = useTRPC();
  // An address with something else than a course id in it (a link cut short) is not worth asking the API about.
  const validAddress = courseIdInput.safeParse({ courseId }).success;
  const outline = useQuery(trpc.courses.outline.queryOptions(validAddress ? { courseId } : skipToken));
  const enrolments = useQuery(trpc.enrolments.mine.queryOptions(undefined, { select: withAccess }));
  // What buying or redeeming just did: said once, where focus goes, as the form that did it is gone.
  const [outcome, setOutcome] = useState<string | null>(null);
  useDocumentTitle(outline.data ? `${outline.data.title} · LearnOps` : "Course · LearnOps");
  useFocusHeadingWhenShown(outline.isSuccess && enrolments.isSuccess);

  if (!validAddress) return <NoSuchCourse />;
  if (outline.isPending || enrolments.isPending) return <LoadingState label="Loading the course…" />;
  if (outline.isError || enrolments.isError) {
    const failed = outline.isError ? outline : enrolments;
    return (
      <>
        <LearningNavigation current={null} />
        <PageHeader title="This course could not be opened" />
        <ErrorState error={failed.error} onRetry={() => void failed.refetch()} />
      </>
    );
  }

  const course = outline.data;
  const enrolment = enrolments.data.find((candidate) => candidate.course.id === course.id) ?? null;
  const holdsPlace = enrolment !== null && enrolment.status !== "cancelled" && enrolment.status !== "expired";
  // The course-level reason, said once at the top; lessons repeat only a reason of their own (prerequisites).
  const courseReason = enrolment?.access.allowed ? null : (enrolment?.access.reason ?? notEnrolledReason(course));

  return (
    <>
      {/* The learning navigation leads back to both "My courses" and the catalogue. */}
      <LearningNavigation current={null} />
      <PageHeader title={course.title} lead={course.summary || null} />
      {outcome ? <Outcome>{outcome}</Outcome> : null}
      <section className="card course-overview" aria-labelledby="course-overview-title">
        <h2 id="course-overview-title" className="visually-hidden">
          Your place in this course
        </h2>
        <p className="meta">
          {lengthText(course)}
          {enrolment?.cohort ? ` · ${enrolment.cohort.name}` : null}
        </p>
        {holdsPlace ? (
          <ProgressBar of={course.title} progress={progressOf(lessonsInOrder(course), course.completedLessonIds)} />
        ) : null}
        {courseReason ? (
          <p className="access-reason">
            <LockIcon />
            <span>{courseReason}</span>
          </p>
        ) : null}
        {enrolment?.access.allowed ? (
          <OpenCourse course={course} enrolment={enrolment} />
        ) : holdsPlace ? null : (
          <JoinCourse course={course} onJoined={setOutcome} />
        )}
      </section>
      {modulesInOrder(course).map((module, index) => (
        <ModuleSection
          key={module.id}
          module={module}
          number={index + 1}
          courseId={course.id}
          completedLessonIds={course.completedLessonIds}
          courseReason={courseReason}
          showProgress={holdsPlace}
        />
      ))}
    </>
  );
}

function NoSuchCourse() {
  return (
    <>
      <LearningNavigation current={null} />
      <PageHeader title="There is no course at this address" />
      <EmptyState title="The link may have been cut short">
        Find the course in <AppLink href={catalogueHref}>the course catalogue</AppLink> or under{" "}
        <AppLink href={myCoursesHref}>My courses</AppLink>.
      </EmptyState>
    </>
  );
}

/** The reason every lesson gives someone with no enrolment: "You are not enrolled in …". */
function notEnrolledReason(course: CourseOutline): string {
  const first = lessonsInOrder(course)[0];
  return first?.access && !first.access.allowed ? first.access.reason : `You are not enrolled in ${course.title}`;
}

function Outcome({ children }: { children: ReactNode }) {
  const ref = useFocusOnShow(true);
  return (
    <div ref={ref} className="status-message" data-tone="positive" tabIndex={-1}>
      {children}
    </div>
  );
}

function OpenCourse({ course, enrolment }: { course: CourseOutline; enrolment: MyEnrolment }) {
  const completed = enrolment.status === "completed";
  const lesson = completed ? null : nextLesson(course);
  const until = enrolment.access.until;
  return (
    <>
      {until ? <p className="meta">Open to you until {dateText(until)}</p> : null}
      {lesson ? (
        <div className="next-step">
          <p className="next-step-lesson">
            <span className="meta">Next lesson</span> {lesson.title}
          </p>
          <AppLink className="button button-primary button-start" href={lessonHref(course.id, lesson.id)}>
            {course.completedLessonIds.length > 0 ? "Continue" : "Start"}
            <span className="visually-hidden"> with {lesson.title}</span>
          </AppLink>
        </div>
      ) : completed ? (
        <p>You have completed this course. Its lessons stay open to you to look back over.</p>
      ) : course.completedLessonIds.length >= lessonsInOrder(course).length ? (
        <p>You have completed every lesson of this course.</p>
      ) : null}
    </>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Joining: buying the course, or redeeming a promotion code
// ---------------------------------------------------------------------------------------------------------

function JoinCourse({ course, onJoined }: { course: CourseOutline; onJoined: (message: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const price = priceText(course.price);
  const [redeeming, setRedeeming] = useState(false);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.enrolments.mine.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.courses.outline.queryKey({ courseId: course.id }) }),
    ]);
  const checkout = useMutation(
    trpc.payments.checkout.mutationOptions({
      onSuccess: async (result) => {
        await refresh();
        const amount = priceText({ cents: result.amountCents, currency: result.currency });
        onJoined(
          `Your place in ${result.course.title} is reserved. It opens once your payment of ${amount} is confirmed.`,
        );
      },
    }),
  );
  const checkoutError = checkout.isError ? describeApiError(checkout.error) : null;

  return (
    <div className="join-course">
      {price ? (
        <Button
          variant="primary"
          className="button-start"
          isPending={checkout.isPending}
          onPress={() => checkout.mutate({ courseId: course.id, cohortId: null })}
        >
          Buy for {price}
        </Button>
      ) : (
        <p>This course is not sold to individuals: your employer or your institution enrols you in it.</p>
      )}
      {checkoutError ? (
        <div role="alert" className="error-state">
          <p className="error-state-title">{checkoutError.message}</p>
          {checkoutError.requestId ? (
            <p className="error-state-reference">
              Reference for support: <code>{checkoutError.requestId}</code>
            </p>
          ) : null}
        </div>
      ) : null}
      <div>
        <button
          type="button"
          className="link-button"
          aria-expanded={redeeming}
          aria-controls="redeem-code"
          onClick={() => setRedeeming((open) => !open)}
        >
          Have a promotion code?
        </button>
      </div>
      {redeeming ? (
        <RedeemCode
          course={course}
          onRedeemed={async (message) => {
            await refresh();
            onJoined(message);
          }}
        />
      ) : null}
    </div>
  );
}

function RedeemCode({ course, onRedeemed }: { course: CourseOutline; onRedeemed: (message: string) => Promise<void> }) {
  const trpc = useTRPC();
  const fieldId = useId();
  const [code, setCode] = useState("");
  const [problem, setProblem] = useState<{ message: string; requestId: string | null } | null>(null);
  const redeem = useMutation(
    trpc.promotions.redeem.mutationOptions({
      onSuccess: (result) =>
        onRedeemed(
          `Code redeemed: ${result.course.title} is open to you${result.expiresAt ? ` until ${dateText(result.expiresAt)}` : ""}.`,
        ),
      onError: (error) => {
        const { message, requestId } = describeApiError(error);
        // The API names the field it refuses ("code: … expired on …"); the field shows the rest.
        setProblem({ message: message.replace(/^code: /, ""), requestId });
        document.getElementById(fieldId)?.focus();
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (redeem.isPending) return;
    const parsed = redeemPromotionInput.safeParse({ code, courseId: course.id });
    if (!parsed.success) {
      setProblem({ message: parsed.error.issues[0]?.message ?? "Enter the code", requestId: null });
      document.getElementById(fieldId)?.focus();
      return;
    }
    setProblem(null);
    redeem.mutate(parsed.data);
  }

  return (
    <form id="redeem-code" className="form redeem-code" noValidate onSubmit={submit}>
      <FormField
        id={fieldId}
        label="Promotion code"
        hint="As you were given it, like SPRING-2027."
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        value={code}
        onChange={(event) => setCode(event.target.value)}
        error={problem?.message}
      />
      {problem?.requestId ? (
        <p className="error-state-reference">
          Reference for support: <code>{problem.requestId}</code>
        </p>
      ) : null}
      <div>
        <Button type="submit" isPending={redeem.isPending}>
          Redeem the code
        </Button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Modules and lessons
// ---------------------------------------------------------------------------------------------------------

function ModuleSection({
  module,
  number,
  courseId,
  completedLessonIds,
  courseReason,
  showProgress,
}: {
  module: OutlineModule;
  number: number;
  courseId: string;
  completedLessonIds: readonly string[];
  courseReason: string | null;
  showProgress: boolean;
}) {
  const headingId = useId();
  const completed = new Set(completedLessonIds);
  return (
    <section className="card module" aria-labelledby={headingId}>
      <h2 id={headingId}>
        <span className="module-number">Module {number}</span> {module.title}
      </h2>
      {showProgress ? (
        <ProgressBar of={module.title} progress={progressOf(module.lessons, completedLessonIds)} />
      ) : null}
      <ol className="lessons">
        {module.lessons.map((lesson) => (
          <LessonRow
            key={lesson.id}
            lesson={lesson}
            courseId={courseId}
            completed={completed.has(lesson.id)}
            courseReason={courseReason}
          />
        ))}
      </ol>
    </section>
  );
}

function LessonRow({
  lesson,
  courseId,
  completed,
  courseReason,
}: {
  lesson: OutlineLesson;
  courseId: string;
  completed: boolean;
  courseReason: string | null;
}) {
  const open = lesson.access?.allowed === true;
  const reason = lesson.access && !lesson.access.allowed ? lesson.access.reason : null;
  const facts = [
    lessonKindLabel[lesson.kind],
    durationText(lesson.durationMinutes),
    lesson.required ? null : "Optional",
  ]
    .filter(Boolean)
    .join(" · ");
  return (
    <li className="lesson" data-state={completed ? "completed" : open ? "open" : "locked"}>
      <LessonKindIcon kind={lesson.kind} />
      <div className="lesson-text">
        <p className="lesson-title">
          {open ? <AppLink href={lessonHref(courseId, lesson.id)}>{lesson.title}</AppLink> : lesson.title}
        </p>
        <p className="meta">{facts}</p>
        {completed ? (
          <p className="lesson-state">
            <TickIcon />
            Completed
          </p>
        ) : reason ? (
          <p className="lesson-state" data-locked="">
            <LockIcon />
            {reason === courseReason ? "Locked" : `Locked: ${reason}`}
          </p>
        ) : null}
      </div>
    </li>
  );
}
