/** The course catalogue: the institution's published courses, searchable, each with the learner's place in it. */

import type { AppRouter } from "@learnops/api/root";
import { useTRPC } from "@learnops/ui/api-provider";
import {
  Button,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  StatusBadge,
  StatusMessage,
  useDocumentTitle,
} from "@learnops/ui/components";
import { AppLink } from "@learnops/ui/navigation";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, type ReactNode, useId, useState } from "react";
import {
  type CatalogueCourse,
  enrolmentStatusText,
  lengthText,
  type MyEnrolment,
  plural,
  priceText,
  withAccess,
} from "./learning.ts";
import { LearningNavigation } from "./learning-parts.tsx";
import { courseHref } from "./routes.ts";

export default function CataloguePage() {
  const trpc = useTRPC();
  useDocumentTitle("Course catalogue · LearnOps");
  const searchId = useId();
  // The search is kept in the address (?search=), so Back from a course found returns to the same list.
  const [search, setSearch] = useState(searchInAddress);
  const [typed, setTyped] = useState(search);
  const courses = useQuery({
    ...trpc.courses.catalogue.queryOptions(search ? { search } : {}),
    // The courses found last stay on screen while a new search is answered.
    placeholderData: keepPreviousData,
  });
  const programs = useQuery(trpc.programs.catalogue.queryOptions());
  const enrolments = useQuery(trpc.enrolments.mine.queryOptions(undefined, { select: withAccess }));
  const enrolmentByCourse = new Map((enrolments.data ?? []).map((enrolment) => [enrolment.course.id, enrolment]));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    show(typed.trim());
  }

  function show(next: string) {
    setSearch(next);
    const url = new URL(window.location.href);
    if (next) url.searchParams.set("search", next);
    else url.searchParams.delete("search");
    window.history.replaceState(window.history.state, "", `${url.pathname}${url.search}`);
  }

  let body: ReactNode;
  if (courses.isPending) body = <LoadingState label="Loading the catalogue…" />;
  else if (courses.isError) {
    body = (
      <ErrorState
        title="The catalogue could not be loaded"
        error={courses.error}
        onRetry={() => void courses.refetch()}
      />
    );
  } else if (courses.data.length === 0) {
    body = search ? (
      <EmptyState title={`No course matches “${search}”`}>
        Try a shorter or different word, or{" "}
        <button type="button" className="link-button" onClick={() => clear()}>
          show every course
        </button>
        .
      </EmptyState>
    ) : (
      <EmptyState title="No courses are open yet">
        Courses appear here once your institution publishes them. Come back soon.
      </EmptyState>
    );
  } else {
    body = (
      <ul className="course-cards">
        {courses.data.map((course) => (
          <CatalogueCard key={course.id} course={course} enrolment={enrolmentByCourse.get(course.id) ?? null} />
        ))}
      </ul>
    );
  }

  function clear() {
    setTyped("");
    show("");
    document.getElementById(searchId)?.focus();
  }

  const found = courses.data && !courses.isPlaceholderData ? courses.data.length : null;
  return (
    <>
      <LearningNavigation current="catalogue" />
      <PageHeader title="Course catalogue" lead="Every course open to you here, with its length and price." />
      <search aria-label="Courses">
        <form className="catalogue-search" onSubmit={submit}>
          <label htmlFor={searchId}>Search courses</label>
          <div className="catalogue-search-row">
            <input
              id={searchId}
              className="input"
              type="search"
              value={typed}
              onChange={(event) => setTyped(event.target.value)}
              maxLength={200}
              autoComplete="off"
              enterKeyHint="search"
            />
            <Button type="submit">Search</Button>
          </div>
        </form>
      </search>
      <StatusMessage>
        {search && found !== null ? `${plural(found, "course")} found for “${search}”.` : null}
      </StatusMessage>
      {body}
      {/* Programs group courses found above; a search narrows courses only, so they show with the whole list. */}
      {!search && programs.data?.some((program) => program.courses.length > 0) ? (
        <ProgramList programs={programs.data} />
      ) : null}
    </>
  );
}

function CatalogueCard({ course, enrolment }: { course: CatalogueCourse; enrolment: MyEnrolment | null }) {
  const price = priceText(course.price);
  const status = enrolment ? enrolmentStatusText(enrolment) : null;
  return (
    <li className="course-card">
      <div className="course-card-head">
        <h2 className="course-card-title">
          <AppLink href={courseHref(course.id)}>{course.title}</AppLink>
        </h2>
        {enrolment && status && !ended(enrolment) ? (
          <StatusBadge tone="positive">
            Enrolled<span className="visually-hidden">: {status.label}</span>
          </StatusBadge>
        ) : enrolment && status ? (
          <StatusBadge tone="neutral">{status.label}</StatusBadge>
        ) : (
          <StatusBadge tone="neutral">Not enrolled</StatusBadge>
        )}
      </div>
      {course.summary ? <p>{course.summary}</p> : null}
      <dl className="course-facts">
        <div>
          <dt>Length</dt>
          <dd>{lengthText(course)}</dd>
        </div>
        <div>
          <dt>Price</dt>
          <dd>{price ?? "Included"}</dd>
        </div>
        {course.accessDays ? (
          <div>
            <dt>Access</dt>
            <dd>{plural(course.accessDays, "day")}</dd>
          </div>
        ) : null}
      </dl>
    </li>
  );
}

type CatalogueProgram = inferOutput<TRPCOptionsProxy<AppRouter>["programs"]["catalogue"]>[number];

/** Programs: courses meant to be taken together, in order ("Care Certificate"). */
function ProgramList({ programs }: { programs: readonly CatalogueProgram[] }) {
  const headingId = useId();
  return (
    <section className="programs" aria-labelledby={headingId}>
      <h2 id={headingId}>Programs</h2>
      <ul className="course-cards">
        {programs
          .filter((program) => program.courses.length > 0)
          .map((program) => (
            <li key={program.id} className="course-card">
              <h3 className="course-card-title">{program.title}</h3>
              <p className="meta">{plural(program.courses.length, "course")}, taken in this order:</p>
              <ol className="program-courses">
                {program.courses.map((course) => (
                  <li key={course.id}>
                    <AppLink href={courseHref(course.id)}>{course.title}</AppLink>
                  </li>
                ))}
              </ol>
            </li>
          ))}
      </ul>
    </section>
  );
}

function searchInAddress(): string {
  return (new URLSearchParams(window.location.search).get("search") ?? "").trim().slice(0, 200);
}

/** An enrolment that no longer holds a place: the learner would have to enrol again. */
function ended(enrolment: MyEnrolment): boolean {
  return enrolment.status === "cancelled" || enrolment.status === "expired";
}
