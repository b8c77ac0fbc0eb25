import "./courses.css";
import type { AppRouter } from "@learnops/api/root";
import { type EnrolmentStatus, enrolmentStatus, supportSearchInput } from "@learnops/contracts/enrolment";
import type { SessionView } from "@learnops/contracts/me";
import { useTRPC } from "@learnops/ui/api-provider";
import { Button, EmptyState, ErrorState, LoadingState, StatusBadge } from "@learnops/ui/components";
import { AppLink } from "@learnops/ui/navigation";
import { useQuery } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { type AccessQuestion, AccessTraceDialog } from "./access-trace.tsx";
import { goTo, hrefWith, useAddressSearch } from "./address.tsx";
import { issuesByField, SelectField } from "./catalogue-fields.tsx";
import { useCourseOptions } from "./course-options.ts";
import { statusTone, statusWords } from "./enrolment-words.ts";
import { basePath } from "./routes.ts";
import { DateText, plural, TextField } from "./settings-controls.tsx";

type Learner = inferOutput<TRPCOptionsProxy<AppRouter>["learners"]["search"]>["learners"][number];

interface SearchQuery {
  q: string;
  course: string;
  status: EnrolmentStatus | "";
  group: string;
  after: string;
}

function readQuery(params: URLSearchParams): SearchQuery {
  const status = params.get("status") ?? "";
  return {
    q: params.get("q") ?? "",
    course: params.get("course") ?? "",
    status: enrolmentStatus.safeParse(status).success ? (status as EnrolmentStatus) : "",
    group: params.get("group") ?? "",
    after: params.get("after") ?? "",
  };
}

/** The typed words as the API's search: an address when it has an @, else the start of a name. */
function searchInput(query: SearchQuery) {
  const q = query.q.trim();
  return {
    ...(q ? (q.includes("@") ? { email: q.toLowerCase() } : { name: q }) : {}),
    ...(query.course ? { courseId: query.course } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.group ? { clientGroupId: query.group } : {}),
    ...(query.after ? { cursor: query.after } : {}),
    limit: 25,
  };
}

/** Support search: find a learner by email or name, narrowed by course, status or client group. */
export default function LearnerSearchView({ session }: { session: SessionView }) {
  const trpc = useTRPC();
  const query = readQuery(useAddressSearch());
  const asked = Boolean(query.q || query.course || query.status || query.group);
  const input = searchInput(query);
  const results = useQuery({ ...trpc.learners.search.queryOptions(input), enabled: asked });
  const [earlier, setEarlier] = useState<string[]>([]);
  const [tracing, setTracing] = useState<AccessQuestion | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const [focusResults, setFocusResults] = useState(false);
  useEffect(() => {
    if (focusResults && !results.isPending) {
      headingRef.current?.focus();
      setFocusResults(false);
    }
  }, [focusResults, results.isPending]);
  const show = (next: SearchQuery, trail: string[] = []) => {
    setEarlier(trail);
    goTo(hrefWith({ ...next }));
    setFocusResults(true);
  };
  const canInspect = session.permissions.includes("access.inspect");
  const learners = results.data?.learners ?? [];

  return (
    <>
      <SearchForm
        key={`${query.q}|${query.course}|${query.status}|${query.group}`}
        query={query}
        session={session}
        onSearch={(next) => show({ ...next, after: "" })}
      />
      <section className="card" aria-labelledby={headingId} aria-busy={results.isFetching ? true : undefined}>
        <h2 id={headingId} ref={headingRef} tabIndex={-1}>
          {asked ? "Learners found" : "Find a learner"}
        </h2>
        {!asked ? (
          <EmptyState title="Search for a learner to help">
            Type their email address, or the start of their name; narrow by course, status or client group.
          </EmptyState>
        ) : results.isPending ? (
          <LoadingState label="Searching…" />
        ) : results.isError ? (
          <ErrorState title="The search failed" error={results.error} onRetry={() => void results.refetch()} />
        ) : learners.length === 0 ? (
          <EmptyState title="Nobody matches">
            Check the spelling, search by email address instead of name, or remove a filter.
          </EmptyState>
        ) : (
          <>
            <p className="meta">
              {plural(learners.length, "learner", "learners")}
              {results.data?.nextCursor ? " on this page" : ""}, by name.
            </p>
            <ul className="learner-results">
              {learners.map((learner) => (
                <LearnerResult
                  key={learner.userId}
                  learner={learner}
                  canInspect={canInspect}
                  onTrace={(course) =>
                    setTracing({ userId: learner.userId, learner: { displayName: learner.displayName }, course })
                  }
                />
              ))}
            </ul>
          </>
        )}
        {asked && (query.after || results.data?.nextCursor) ? (
          <nav className="page-nav" aria-label="Pages of learners">
            {query.after ? (
              <Button onPress={() => show({ ...query, after: earlier.at(-1) ?? "" }, earlier.slice(0, -1))}>
                Previous page
              </Button>
            ) : null}
            {results.data?.nextCursor ? (
              <Button
                onPress={() => show({ ...query, after: results.data?.nextCursor ?? "" }, [...earlier, query.after])}
              >
                Next page
              </Button>
            ) : null}
          </nav>
        ) : null}
      </section>
      {tracing ? <AccessTraceDialog enrolment={tracing} onClose={() => setTracing(null)} /> : null}
    </>
  );
}

function SearchForm({
  query,
  session,
  onSearch,
}: {
  query: SearchQuery;
  session: SessionView;
  onSearch: (next: SearchQuery) => void;
}) {
  const trpc = useTRPC();
  const courses = useCourseOptions(session);
  const groups = useQuery({
    ...trpc.clientGroups.list.queryOptions(),
    enabled: session.permissions.includes("client_groups.read"),
  });
  const [draft, setDraft] = useState(query);
  const [problem, setProblem] = useState<string | null>(null);
  const inputId = useId();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = supportSearchInput.safeParse(searchInput({ ...draft, after: "" }));
    if (!parsed.success) {
      const issues = issuesByField(parsed.error.issues);
      setProblem(
        issues.email ? "Enter a whole email address, such as name@example.org" : (issues.name ?? "Check the search"),
      );
      document.getElementById(inputId)?.focus();
      return;
    }
    setProblem(null);
    onSearch(draft);
  }

  return (
    <search className="section-toolbar">
      <form className="filters-form learner-search-form" noValidate onSubmit={submit} aria-label="Search learners">
        <TextField
          id={inputId}
          label="Email address or name"
          value={draft.q}
          onChange={(q) => setDraft((current) => ({ ...current, q }))}
          error={problem}
          autoComplete="off"
          spellCheck={false}
          maxLength={254}
        />
        <SelectField
          label="Course"
          value={draft.course}
          onChange={(course) => setDraft((current) => ({ ...current, course }))}
          options={[
            { value: "", label: "Any course" },
            ...courses.options.map((course) => ({ value: course.id, label: course.title })),
          ]}
        />
        <SelectField
          label="Enrolment status"
          value={draft.status}
          onChange={(status) => setDraft((current) => ({ ...current, status: status as EnrolmentStatus | "" }))}
          options={[
            { value: "", label: "Any status" },
            ...enrolmentStatus.options.map((status) => ({ value: status, label: statusWords[status] })),
          ]}
        />
        {groups.data && groups.data.length > 0 ? (
          <SelectField
            label="Client group"
            value={draft.group}
            onChange={(group) => setDraft((current) => ({ ...current, group }))}
            options={[
              { value: "", label: "Any client group" },
              ...groups.data.map((group) => ({ value: group.id, label: group.name })),
            ]}
          />
        ) : null}
        <div className="filter-actions">
          <Button type="submit" variant="primary">
            Search
          </Button>
        </div>
      </form>
    </search>
  );
}

function LearnerResult({
  learner,
  canInspect,
  onTrace,
}: {
  learner: Learner;
  canInspect: boolean;
  onTrace: (course: { id: string; title: string }) => void;
}) {
  const headingId = useId();
  return (
    <li className="learner-result" aria-labelledby={headingId}>
      <div className="learner-identity">
        <h3 id={headingId} className="module-title">
          {learner.displayName}
        </h3>
        <p className="meta">{learner.email}</p>
        <p className="person-badges">
          {learner.clientGroup ? <StatusBadge tone="neutral">{learner.clientGroup.name}</StatusBadge> : null}
          {learner.directoryOptOut ? (
            <StatusBadge tone="critical">Directory opt-out: do not pass on their details</StatusBadge>
          ) : null}
        </p>
        <AppLink href={`${basePath}enrolments?learner=${learner.userId}`}>
          All of {learner.displayName}’s enrolments
        </AppLink>
      </div>
      {learner.enrolments.length === 0 ? (
        <p className="meta">Not enrolled in any course.</p>
      ) : (
        <ul className="learner-enrolments" aria-label={`${learner.displayName}’s enrolments`}>
          {learner.enrolments.map((enrolment) => (
            <li key={enrolment.id}>
              <span className="course-cell">
                <span>{enrolment.course.title}</span>
                <span className="meta">
                  {enrolment.cohortName ?? "No cohort"}
                  {enrolment.expiresAt ? (
                    <>
                      {" "}
                      · until <DateText value={enrolment.expiresAt} />
                    </>
                  ) : null}
                </span>
              </span>
              <StatusBadge tone={statusTone[enrolment.status]}>{statusWords[enrolment.status]}</StatusBadge>
              {canInspect ? (
                <Button className="button-small" onPress={() => onTrace(enrolment.course)}>
                  Access trace<span className="visually-hidden"> for {enrolment.course.title}</span>
                </Button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
