import "./courses.css";
import "./progress.css";
import type { AppRouter } from "@learnops/api/root";
import type { SessionView } from "@learnops/contracts/me";
import { useTRPC } from "@learnops/ui/api-provider";
import {
  Button,
  DataTable,
  type DataTableColumn,
  EmptyState,
  ErrorState,
  LoadingState,
  PercentMeter,
  StatusBadge,
} from "@learnops/ui/components";
import { type InfiniteData, type UseInfiniteQueryResult, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, type ReactNode, useId, useState } from "react";
import { AddressLink, goTo, hrefWith, useAddressSearch } from "./address.tsx";
import { SelectField } from "./catalogue-fields.tsx";
import { useCourseOptions } from "./course-options.ts";
import { DateText, plural, TextField } from "./settings-controls.tsx";

type Api = TRPCOptionsProxy<AppRouter>;
type LearnerRow = inferOutput<Api["progressReports"]["incompleteLearners"]>["rows"][number];
type OverdueRow = inferOutput<Api["progressReports"]["overdueDeadlines"]>["rows"][number];
type CohortRow = inferOutput<Api["progressReports"]["cohortCompletion"]>["rows"][number];
interface ReportPage<Row> {
  rows: Row[];
  total: number;
  nextCursor: string | null;
}

const views = [
  { id: "incomplete", label: "Incomplete learners" },
  { id: "stalled", label: "Stalled learners" },
  { id: "overdue", label: "Overdue deadlines" },
  { id: "cohorts", label: "Cohort completion" },
] as const;
type ViewId = (typeof views)[number]["id"];

interface Filters {
  course: string;
  cohort: string;
  group: string;
  days: string;
}

function readFilters(params: URLSearchParams): Filters & { view: ViewId } {
  const view = views.find((candidate) => candidate.id === params.get("view"))?.id ?? "incomplete";
  return {
    view,
    course: params.get("course") ?? "",
    cohort: params.get("cohort") ?? "",
    group: params.get("group") ?? "",
    days: params.get("days") ?? "14",
  };
}

/** The filters as the reports' input: empty ones left out, 25 rows a page. */
function reportInput(filters: Filters) {
  return {
    ...(filters.course ? { courseId: filters.course } : {}),
    ...(filters.cohort ? { cohortId: filters.cohort } : {}),
    ...(filters.group ? { clientGroupId: filters.group } : {}),
    limit: 25,
  };
}

const inactiveDays = (days: string) => {
  const parsed = Number.parseInt(days, 10);
  return Number.isInteger(parsed) && parsed >= 1 && parsed <= 365 ? parsed : 14;
};

const nextPage = <Row,>(last: ReportPage<Row>) => last.nextCursor ?? undefined;

/** Progress reports: who has not finished, who has stopped, who missed a deadline, and how cohorts fare. */
export default function ProgressView({ session }: { session: SessionView }) {
  const current = readFilters(useAddressSearch());
  const show = (next: Partial<Filters & { view: ViewId }>) => goTo(hrefWith({ ...current, ...next }));

  return (
    <>
      <nav className="tab-nav report-tabs" aria-label="Progress reports">
        <ul>
          {views.map((view) => (
            <li key={view.id}>
              <AddressLink
                href={hrefWith({ ...current, view: view.id })}
                aria-current={view.id === current.view ? "page" : undefined}
              >
                {view.label}
              </AddressLink>
            </li>
          ))}
        </ul>
      </nav>
      <FilterForm
        key={`${current.course}|${current.cohort}|${current.group}|${current.days}|${current.view}`}
        filters={current}
        session={session}
        withDays={current.view === "stalled"}
        onApply={(next) => show(next)}
      />
      {current.view === "incomplete" ? (
        <IncompleteReport filters={current} />
      ) : current.view === "stalled" ? (
        <StalledReport filters={current} />
      ) : current.view === "overdue" ? (
        <OverdueReport filters={current} />
      ) : (
        <CohortReport filters={current} />
      )}
    </>
  );
}

function FilterForm({
  filters,
  session,
  withDays,
  onApply,
}: {
  filters: Filters;
  session: SessionView;
  withDays: boolean;
  onApply: (next: Filters) => void;
}) {
  const trpc = useTRPC();
  const courses = useCourseOptions(session);
  const [draft, setDraft] = useState(filters);
  const [problem, setProblem] = useState<string | null>(null);
  const daysId = useId();
  const groups = useQuery({
    ...trpc.clientGroups.list.queryOptions(),
    enabled: session.permissions.includes("client_groups.read"),
  });
  const cohorts = useQuery({
    ...trpc.cohorts.list.queryOptions({ courseId: draft.course }),
    enabled: Boolean(draft.course) && session.permissions.includes("enrolments.read"),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (withDays && inactiveDays(draft.days) !== Number(draft.days)) {
      setProblem("Enter a number of days from 1 to 365");
      document.getElementById(daysId)?.focus();
      return;
    }
    setProblem(null);
    onApply(draft);
  }

  return (
    <search className="section-toolbar">
      <form className="filters-form progress-filters" noValidate onSubmit={submit} aria-label="Filter the report">
        <SelectField
          label="Course"
          value={draft.course}
          onChange={(course) => setDraft((current) => ({ ...current, course, cohort: "" }))}
          options={[
            { value: "", label: "Every course" },
            ...courses.options.map((course) => ({ value: course.id, label: course.title })),
          ]}
        />
        {draft.course && cohorts.data ? (
          <SelectField
            label="Cohort"
            value={draft.cohort}
            onChange={(cohort) => setDraft((current) => ({ ...current, cohort }))}
            options={[
              { value: "", label: "Every cohort" },
              ...cohorts.data.map((cohort) => ({ value: cohort.id, label: cohort.name })),
            ]}
          />
        ) : null}
        {groups.data && groups.data.length > 0 ? (
          <SelectField
            label="Client group"
            value={draft.group}
            onChange={(group) => setDraft((current) => ({ ...current, group }))}
            options={[
              { value: "", label: "Every client group" },
              ...groups.data.map((group) => ({ value: group.id, label: group.name })),
            ]}
          />
        ) : null}
        {withDays ? (
          <TextField
            id={daysId}
            label="No activity for at least (days)"
            inputMode="numeric"
            value={draft.days}
            onChange={(days) => setDraft((current) => ({ ...current, days }))}
            error={problem}
            maxLength={3}
          />
        ) : null}
        <div className="filter-actions">
          <Button type="submit" variant="primary">
            Show
          </Button>
        </div>
      </form>
    </search>
  );
}

function IncompleteReport({ filters }: { filters: Filters }) {
  const trpc = useTRPC();
  const query = useInfiniteQuery(
    trpc.progressReports.incompleteLearners.infiniteQueryOptions(reportInput(filters), { getNextPageParam: nextPage }),
  );
  return (
    <Report
      query={query}
      title="Incomplete learners"
      caption="Learners with an active enrolment who have not completed the course, least progress first"
      noun={["learner", "learners"]}
      columns={learnerColumns(false)}
      rowKey={(row) => row.enrolmentId}
      empty={
        <EmptyState title="Everyone in these courses has completed">
          Nobody with an active enrolment is still working through a course here. Choose another course, cohort or
          client group, or look at cohort completion for the whole picture.
        </EmptyState>
      }
    />
  );
}

function StalledReport({ filters }: { filters: Filters }) {
  const trpc = useTRPC();
  const days = inactiveDays(filters.days);
  const query = useInfiniteQuery(
    trpc.progressReports.stalledLearners.infiniteQueryOptions(
      { ...reportInput(filters), inactiveDays: days },
      { getNextPageParam: nextPage },
    ),
  );
  return (
    <Report
      query={query}
      title={`Stalled learners: no activity for ${plural(days, "day", "days")} or more`}
      caption={`Learners who have not completed and have done nothing for ${plural(days, "day", "days")} or more, longest first`}
      noun={["learner", "learners"]}
      columns={learnerColumns(true)}
      rowKey={(row) => row.enrolmentId}
      empty={
        <EmptyState title={`Nobody has stopped for ${plural(days, "day", "days")} or more`}>
          Every learner here has been active recently. Try fewer days to catch people slowing down earlier.
        </EmptyState>
      }
    />
  );
}

function OverdueReport({ filters }: { filters: Filters }) {
  const trpc = useTRPC();
  const query = useInfiniteQuery(
    trpc.progressReports.overdueDeadlines.infiniteQueryOptions(reportInput(filters), { getNextPageParam: nextPage }),
  );
  const columns: DataTableColumn<OverdueRow>[] = [
    { key: "learner", header: "Learner", cell: (row) => <LearnerCell learner={row.learner} /> },
    {
      key: "what",
      header: "Module or lesson",
      cell: (row) => (
        <span className="stacked-cell">
          <span>{row.title}</span>
          <span className="meta">{row.target === "module" ? "Module" : "Lesson"}</span>
        </span>
      ),
    },
    {
      key: "course",
      header: "Course and cohort",
      cell: (row) => <CourseCell course={row.course} cohort={row.cohort} clientGroup={row.clientGroup} />,
    },
    {
      key: "due",
      header: "Due",
      cell: (row) => (
        <span className="stacked-cell">
          <DateText value={row.dueAt} />
          {row.extended ? <span className="meta">Extended</span> : null}
        </span>
      ),
    },
    {
      key: "late",
      header: "Overdue by",
      align: "end",
      cell: (row) => <StatusBadge tone="critical">{plural(row.daysOverdue, "day", "days")}</StatusBadge>,
    },
  ];
  return (
    <Report
      query={query}
      title="Overdue deadlines"
      caption="Cohort deadlines passed with the module or lesson not completed (extensions respected), longest overdue first"
      noun={["overdue deadline", "overdue deadlines"]}
      columns={columns}
      rowKey={(row) => `${row.enrolmentId}:${row.deadlineId}`}
      empty={
        <EmptyState title="No deadline is overdue">
          Every learner met their cohort’s deadlines, or has an extension still running. Deadlines are set per cohort on
          the course’s page under Courses.
        </EmptyState>
      }
    />
  );
}

function CohortReport({ filters }: { filters: Filters }) {
  const trpc = useTRPC();
  const query = useInfiniteQuery(
    trpc.progressReports.cohortCompletion.infiniteQueryOptions(reportInput(filters), { getNextPageParam: nextPage }),
  );
  const columns: DataTableColumn<CohortRow>[] = [
    {
      key: "cohort",
      header: "Cohort",
      cell: (row) => (
        <span className="stacked-cell">
          <span>{row.cohort.name}</span>
          <span className="meta">
            <DateText value={row.cohort.startsAt} /> to <DateText value={row.cohort.endsAt} />
          </span>
        </span>
      ),
    },
    { key: "course", header: "Course", cell: (row) => row.course.title },
    { key: "enrolled", header: "Enrolled", align: "end", cell: (row) => row.enrolled },
    { key: "completed", header: "Completed", align: "end", cell: (row) => row.completed },
    {
      key: "share",
      header: "Completed (%)",
      cell: (row) => <PercentMeter value={row.completedPercent} label={`${row.completedPercent}% completed`} />,
    },
    {
      key: "average",
      header: "Average progress",
      cell: (row) => <PercentMeter value={row.averagePercent} label={`${row.averagePercent}% on average`} />,
    },
  ];
  return (
    <Report
      query={query}
      title="Cohort completion"
      caption="Each cohort’s learners enrolled and completed, and their average progress, newest cohort first"
      noun={["cohort", "cohorts"]}
      columns={columns}
      rowKey={(row) => row.cohort.id}
      empty={
        <EmptyState title="No cohort to report on">
          No cohort matches these filters. Cohorts are created on a course’s page under Courses; choose every course to
          see them all.
        </EmptyState>
      }
    />
  );
}

function learnerColumns(stalled: boolean): DataTableColumn<LearnerRow>[] {
  return [
    { key: "learner", header: "Learner", cell: (row) => <LearnerCell learner={row.learner} /> },
    {
      key: "course",
      header: "Course and cohort",
      cell: (row) => <CourseCell course={row.course} cohort={row.cohort} clientGroup={row.clientGroup} />,
    },
    {
      key: "progress",
      header: "Progress",
      cell: (row) => (
        <PercentMeter
          value={row.percent}
          label={`${row.percent}%, ${row.completedLessons} of ${plural(row.totalLessons, "lesson", "lessons")}`}
        />
      ),
    },
    {
      key: "activity",
      header: "Last activity",
      cell: (row) =>
        row.lastActivityAt ? (
          <span className="stacked-cell">
            <DateText value={row.lastActivityAt} />
            <span className="meta">{plural(row.daysInactive, "day", "days")} ago</span>
          </span>
        ) : (
          <span className="stacked-cell">
            <span>Not started</span>
            <span className="meta">enrolled {plural(row.daysInactive, "day", "days")} ago</span>
          </span>
        ),
    },
    ...(stalled
      ? []
      : [
          {
            key: "enrolled",
            header: "Enrolled",
            cell: (row: LearnerRow) => <DateText value={row.enrolledAt} />,
          },
        ]),
  ];
}

function LearnerCell({ learner }: { learner: { displayName: string; email: string } }) {
  return (
    <span className="stacked-cell">
      <span>{learner.displayName}</span>
      <span className="meta">{learner.email}</span>
    </span>
  );
}

function CourseCell({
  course,
  cohort,
  clientGroup,
}: {
  course: { title: string };
  cohort: { name: string } | null;
  clientGroup: { name: string } | null;
}) {
  return (
    <span className="stacked-cell">
      <span>{course.title}</span>
      <span className="meta">{[cohort?.name ?? "No cohort", clientGroup?.name].filter(Boolean).join(" · ")}</span>
    </span>
  );
}

function Report<Row>({
  query,
  title,
  caption,
  noun,
  columns,
  rowKey,
  empty,
}: {
  query: UseInfiniteQueryResult<InfiniteData<ReportPage<Row>, unknown>, unknown>;
  title: string;
  caption: string;
  noun: [string, string];
  columns: readonly DataTableColumn<Row>[];
  rowKey: (row: Row) => string;
  empty: ReactNode;
}) {
  const headingId = useId();
  const pages = query.data?.pages ?? [];
  const rows = pages.flatMap((page) => page.rows);
  const total = pages[0]?.total ?? 0;
  return (
    <section className="card" aria-labelledby={headingId} aria-busy={query.isFetching ? true : undefined}>
      <h2 id={headingId}>{title}</h2>
      {query.isPending ? (
        <LoadingState label="Loading the report…" />
      ) : query.isError ? (
        <ErrorState title="The report could not be loaded" error={query.error} onRetry={() => void query.refetch()} />
      ) : rows.length === 0 ? (
        empty
      ) : (
        <>
          <p className="meta report-count" role="status">
            {plural(total, noun[0], noun[1])}
            {rows.length < total ? `, ${rows.length} shown` : ""}
          </p>
          <DataTable caption={caption} columns={columns} rows={rows} rowKey={rowKey} />
          {query.hasNextPage ? (
            <div className="page-nav">
              <Button isPending={query.isFetchingNextPage} onPress={() => void query.fetchNextPage()}>
                Load more<span className="visually-hidden"> {noun[1]}</span>
              </Button>
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}
