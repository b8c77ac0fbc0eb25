import "./courses.css";
import type { AppRouter } from "@learnops/api/root";
import { type EnrolmentStatus, enrolmentStatus } from "@learnops/contracts/enrolment";
import type { SessionView } from "@learnops/contracts/me";
import { useTRPC } from "@learnops/ui/api-provider";
import {
  Button,
  DataTable,
  type DataTableColumn,
  EmptyState,
  ErrorState,
  LoadingState,
  StatusBadge,
  StatusMessage,
} from "@learnops/ui/components";
import { useQuery } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { Menu, MenuItem, MenuTrigger } from "react-aria-components/Menu";
import { Popover } from "react-aria-components/Popover";
import { AccessTraceDialog } from "./access-trace.tsx";
import { AddressLink, goTo, hrefWith, useAddressSearch } from "./address.tsx";
import { SelectField } from "./catalogue-fields.tsx";
import { useCourseOptions } from "./course-options.ts";
import { type EnrolmentDialog, EnrolmentDialogs, GrantDialog } from "./enrolment-dialogs.tsx";
import { paymentWords, sourceWords, statusTone, statusWords } from "./enrolment-words.ts";
import { OverridesCard } from "./overrides-card.tsx";
import { DateText, plural } from "./settings-controls.tsx";

export type Enrolment = inferOutput<TRPCOptionsProxy<AppRouter>["enrolments"]["list"]>["enrolments"][number];

const pageSize = 25;

interface EnrolmentFilters {
  course: string;
  cohort: string;
  status: EnrolmentStatus | "";
  learner: string;
  after: string;
}

function readFilters(params: URLSearchParams): EnrolmentFilters {
  const status = params.get("status") ?? "";
  return {
    course: params.get("course") ?? "",
    cohort: params.get("cohort") ?? "",
    status: enrolmentStatus.safeParse(status).success ? (status as EnrolmentStatus) : "",
    learner: params.get("learner") ?? "",
    after: params.get("after") ?? "",
  };
}

const filtersHref = (filters: Partial<EnrolmentFilters>) => hrefWith({ ...filters });

export default function EnrolmentsView({ session }: { session: SessionView }) {
  const trpc = useTRPC();
  const filters = readFilters(useAddressSearch());
  const powers = {
    manage: session.permissions.includes("enrolments.manage"),
    inspect: session.permissions.includes("access.inspect"),
    override: session.permissions.includes("access.override"),
  };
  const courses = useCourseOptions(session);
  const enrolments = useQuery(
    trpc.enrolments.list.queryOptions(
      {
        limit: pageSize,
        ...(filters.course ? { courseId: filters.course } : {}),
        ...(filters.cohort ? { cohortId: filters.cohort } : {}),
        ...(filters.status ? { status: filters.status } : {}),
        ...(filters.learner ? { userId: filters.learner } : {}),
        ...(filters.after ? { cursor: filters.after } : {}),
      },
      { staleTime: 0 },
    ),
  );
  // The cursors of the pages before this one, for "Previous page".
  const [earlier, setEarlier] = useState<string[]>([]);
  const [dialog, setDialog] = useState<EnrolmentDialog | null>(null);
  const [granting, setGranting] = useState(false);
  const [outcome, setOutcome] = useState("");
  const outcomeRef = useRef<HTMLDivElement>(null);
  const resultsRef = useRef<HTMLHeadingElement>(null);
  const resultsId = useId();
  const [focusResults, setFocusResults] = useState(false);
  useEffect(() => {
    if (focusResults && !enrolments.isPending) {
      resultsRef.current?.focus();
      setFocusResults(false);
    }
  }, [focusResults, enrolments.isPending]);

  const show = (next: Partial<EnrolmentFilters>, trail: string[] = []) => {
    setEarlier(trail);
    goTo(filtersHref(next));
    setFocusResults(true);
  };
  const rows = enrolments.data?.enrolments ?? [];
  const learnerName = filters.learner ? rows.find((row) => row.userId === filters.learner)?.learner.displayName : null;
  const filtered = Boolean(filters.course || filters.cohort || filters.status || filters.learner);
  const done = (message: string) => {
    setDialog(null);
    setOutcome(message);
    setTimeout(() => {
      const focused = document.activeElement;
      if (!focused || focused === document.body || !focused.isConnected) outcomeRef.current?.focus();
    }, 50);
  };

  const columns: DataTableColumn<Enrolment>[] = [
    {
      key: "learner",
      header: "Learner",
      cell: (row) => (
        <span className="course-cell">
          <AddressLink
            href={filtersHref({ learner: row.userId })}
            onClick={() => setEarlier([])}
            aria-label={`${row.learner.displayName}: show only their enrolments`}
          >
            {row.learner.displayName}
          </AddressLink>
          <span className="meta">{row.learner.email}</span>
        </span>
      ),
    },
    {
      key: "course",
      header: "Course",
      cell: (row) => (
        <span className="course-cell">
          <span>{row.course.title}</span>
          <span className="meta">{row.cohort ? row.cohort.name : "No cohort"}</span>
        </span>
      ),
    },
    {
      key: "status",
      header: "Status",
      cell: (row) => (
        <span className="course-cell">
          <StatusBadge tone={statusTone[row.status]}>{statusWords[row.status]}</StatusBadge>
          {row.statusReason ? <span className="meta status-reason">{row.statusReason}</span> : null}
        </span>
      ),
    },
    { key: "source", header: "Source", cell: (row) => sourceWords[row.source] },
    {
      key: "payment",
      header: "Payment",
      cell: (row) =>
        row.paymentState === "not_required" ? (
          <span className="meta">—</span>
        ) : (
          <span className="nowrap">
            {paymentWords[row.paymentState]}
            {row.paymentStateSince ? (
              <>
                {" "}
                since <DateText value={row.paymentStateSince} />
              </>
            ) : null}
          </span>
        ),
    },
    {
      key: "ends",
      header: "Access ends",
      cell: (row) => (row.expiresAt ? <DateText value={row.expiresAt} /> : "No end"),
    },
  ];
  if (powers.manage || powers.inspect || powers.override) {
    columns.push({
      key: "actions",
      header: "Actions",
      cell: (row) => <RowActions row={row} powers={powers} open={setDialog} />,
    });
  }

  const courseOptions = [
    { value: "", label: "Any course" },
    ...courses.options.map((course) => ({
      value: course.id,
      label: course.status === "published" ? course.title : `${course.title} (${course.status})`,
    })),
  ];

  return (
    <>
      <div className="section-toolbar">
        <FiltersForm
          key={`${filters.course}|${filters.cohort}|${filters.status}`}
          filters={filters}
          courseOptions={courseOptions}
          onApply={(next) => show({ ...next, learner: filters.learner })}
        />
        {powers.manage ? (
          <Button variant="primary" onPress={() => setGranting(true)}>
            Grant enrolment
          </Button>
        ) : null}
      </div>
      {filters.learner ? (
        <p className="filter-chip">
          Showing {learnerName ? `${learnerName}’s` : "one learner’s"} enrolments only.{" "}
          <AddressLink href={filtersHref({ ...filters, learner: "", after: "" })}>Show every learner</AddressLink>
        </p>
      ) : null}
      <div ref={outcomeRef} tabIndex={-1} className="status-message-holder">
        <StatusMessage tone="positive">{outcome}</StatusMessage>
      </div>

      <section className="card" aria-labelledby={resultsId} aria-busy={enrolments.isFetching ? true : undefined}>
        <h2 id={resultsId} ref={resultsRef} tabIndex={-1}>
          {filters.after ? "Older enrolments" : "Latest enrolments"}
        </h2>
        {enrolments.isPending ? (
          <LoadingState label="Loading enrolments…" />
        ) : enrolments.isError ? (
          <ErrorState
            title="Enrolments could not be loaded"
            error={enrolments.error}
            onRetry={() => void enrolments.refetch()}
          />
        ) : rows.length === 0 ? (
          <EmptyState title={filtered ? "No enrolment matches these filters" : "No enrolments yet"}>
            {filtered
              ? "Choose another course, cohort or status, or clear the filters."
              : powers.manage
                ? "Enrol a learner with “Grant enrolment”, or let learners buy a published course."
                : "Enrolments appear here once learners join a course."}
          </EmptyState>
        ) : (
          <DataTable
            caption={`${plural(rows.length, "enrolment", "enrolments")}${filtered ? " matching the filters" : ""}${enrolments.data?.nextCursor ? " on this page" : ""}, newest first`}
            columns={columns}
            rows={rows}
            rowKey={(row) => row.id}
          />
        )}
        {filters.after || enrolments.data?.nextCursor ? (
          <nav className="page-nav" aria-label="Pages of enrolments">
            {filters.after ? (
              <Button onPress={() => show({ ...filters, after: earlier.at(-1) ?? "" }, earlier.slice(0, -1))}>
                Previous page
              </Button>
            ) : null}
            {enrolments.data?.nextCursor ? (
              <Button
                onPress={() =>
                  show({ ...filters, after: enrolments.data?.nextCursor ?? "" }, [...earlier, filters.after])
                }
              >
                Next page
              </Button>
            ) : null}
          </nav>
        ) : null}
      </section>

      {powers.override ? (
        <OverridesCard
          filters={{ userId: filters.learner, courseId: filters.course }}
          learnerName={learnerName ?? null}
          onChanged={setOutcome}
        />
      ) : null}

      {granting ? (
        <GrantDialog
          courses={courses.options}
          initialCourseId={filters.course}
          onClose={() => setGranting(false)}
          onDone={(message) => {
            setGranting(false);
            done(message);
          }}
        />
      ) : null}
      {dialog?.kind === "trace" ? (
        <AccessTraceDialog enrolment={dialog.enrolment} onClose={() => setDialog(null)} />
      ) : null}
      {dialog && dialog.kind !== "trace" ? (
        <EnrolmentDialogs dialog={dialog} courses={courses.options} onClose={() => setDialog(null)} onDone={done} />
      ) : null}
    </>
  );
}

function FiltersForm({
  filters,
  courseOptions,
  onApply,
}: {
  filters: EnrolmentFilters;
  courseOptions: { value: string; label: string }[];
  onApply: (next: Omit<EnrolmentFilters, "learner" | "after">) => void;
}) {
  const trpc = useTRPC();
  const [draft, setDraft] = useState({ course: filters.course, cohort: filters.cohort, status: filters.status });
  const cohorts = useQuery({
    ...trpc.cohorts.list.queryOptions({ courseId: draft.course }),
    enabled: Boolean(draft.course),
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onApply(draft);
  }
  const any = Boolean(filters.course || filters.cohort || filters.status);
  return (
    <search className="section-search">
      <form className="filters-form" onSubmit={submit} aria-label="Filter enrolments">
        <SelectField
          label="Course"
          value={draft.course}
          onChange={(course) => setDraft((current) => ({ ...current, course, cohort: "" }))}
          options={courseOptions}
        />
        <SelectField
          label="Cohort"
          value={draft.cohort}
          onChange={(cohort) => setDraft((current) => ({ ...current, cohort }))}
          disabled={!draft.course || !cohorts.data?.length}
          options={[
            {
              value: "",
              label: draft.course
                ? cohorts.data?.length
                  ? "Any cohort"
                  : "The course has no cohorts"
                : "Choose a course first",
            },
            ...(cohorts.data ?? []).map((cohort) => ({ value: cohort.id, label: cohort.name })),
          ]}
        />
        <SelectField
          label="Status"
          value={draft.status}
          onChange={(status) => setDraft((current) => ({ ...current, status: status as EnrolmentStatus | "" }))}
          options={[
            { value: "", label: "Any status" },
            ...enrolmentStatus.options.map((status) => ({ value: status, label: statusWords[status] })),
          ]}
        />
        <div className="filter-actions">
          <Button type="submit">Show enrolments</Button>
          {any ? <Button onPress={() => onApply({ course: "", cohort: "", status: "" })}>Clear filters</Button> : null}
        </div>
      </form>
    </search>
  );
}

function RowActions({
  row,
  powers,
  open,
}: {
  row: Enrolment;
  powers: { manage: boolean; inspect: boolean; override: boolean };
  open: (dialog: EnrolmentDialog) => void;
}) {
  const actions = powers.manage ? row.actions : [];
  const labels = {
    extend: "Extend access",
    transfer: "Move to another cohort",
    reassign: "Move to another course",
    suspend: "Suspend",
    reinstate: "Reinstate",
    cancel: "Cancel enrolment",
  } as const;
  const items = [
    ...(powers.inspect ? [{ id: "trace", label: "Access trace" }] : []),
    ...actions.map((action) => ({ id: action, label: labels[action] })),
    // A cohort's deadlines can be moved for one learner while the enrolment is live.
    ...(powers.manage && row.cohort && ["active", "suspended", "review_required"].includes(row.status)
      ? [{ id: "deadline", label: "Give more time" }]
      : []),
    ...(powers.override ? [{ id: "override", label: "Override access" }] : []),
  ];
  if (items.length === 0) return null;
  return (
    <MenuTrigger>
      <Button className="button-small" aria-label={`Actions for ${row.learner.displayName}, ${row.course.title}`}>
        Actions <span aria-hidden="true">▾</span>
      </Button>
      <Popover className="people-popover" placement="bottom end">
        <Menu
          className="people-options"
          items={items}
          onAction={(key) => open({ kind: String(key) as EnrolmentDialog["kind"], enrolment: row } as EnrolmentDialog)}
        >
          {(item) => (
            <MenuItem id={item.id} className="people-option">
              {item.label}
            </MenuItem>
          )}
        </Menu>
      </Popover>
    </MenuTrigger>
  );
}
