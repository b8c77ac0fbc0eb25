import "./courses.css";
import type { AppRouter } from "@learnops/api/root";
import { type CourseStatus, createCourseInput } from "@learnops/contracts/catalogue";
import type { SessionView } from "@learnops/contracts/me";
import { useTRPC } from "@learnops/ui/api-provider";
import {
  Button,
  DataTable,
  type DataTableColumn,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  StatusBadge,
  useDocumentTitle,
} from "@learnops/ui/components";
import { AppLink } from "@learnops/ui/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { AddressLink, goTo, hrefWith, useAddressSearch } from "./address.tsx";
import {
  issuesByField,
  priceInWords,
  refusalsOf,
  SelectField,
  TextAreaField,
  useFocusFirstProblem,
} from "./catalogue-fields.tsx";
import CourseEditor from "./course-editor.tsx";
import { basePath } from "./routes.ts";
import { ModalDialog, plural, TextField } from "./settings-controls.tsx";

export type CourseSummary = inferOutput<TRPCOptionsProxy<AppRouter>["courses"]["list"]>[number];

const statusWords: Record<CourseStatus, string> = { draft: "Draft", published: "Published", archived: "Archived" };

export function CourseStatusBadge({ status }: { status: CourseStatus }) {
  return (
    <StatusBadge tone={status === "published" ? "positive" : status === "archived" ? "critical" : "neutral"}>
      {statusWords[status]}
    </StatusBadge>
  );
}

const isStatus = (value: string | null): value is CourseStatus =>
  value === "draft" || value === "published" || value === "archived";

/** The Courses section: the list, or, when the address names one (`?course=<id>`), that course's editor. */
export default function CoursesView({ session }: { session: SessionView }) {
  const params = useAddressSearch();
  const courseId = params.get("course");
  if (courseId) return <CourseEditor key={courseId} courseId={courseId} session={session} />;
  const status = params.get("status");
  return <CoursesList status={isStatus(status) ? status : null} search={params.get("search") ?? ""} />;
}

function CoursesList({ status, search }: { status: CourseStatus | null; search: string }) {
  useDocumentTitle("Courses · LearnOps Admin");
  const trpc = useTRPC();
  // Every status for the counts; the status filter narrows the rows.
  const all = useQuery(trpc.courses.list.queryOptions(search ? { search } : {}));
  const rows = (all.data ?? []).filter((course) => !status || course.status === status);
  const [draft, setDraft] = useState(search);
  const [creating, setCreating] = useState(false);
  const resultsRef = useRef<HTMLHeadingElement>(null);
  const resultsId = useId();
  useEffect(() => setDraft(search), [search]);

  const counts = { draft: 0, published: 0, archived: 0 };
  for (const course of all.data ?? []) counts[course.status] += 1;

  function applySearch(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    goTo(hrefWith({ status, search: draft.trim() }));
    resultsRef.current?.focus();
  }

  const columns: DataTableColumn<CourseSummary>[] = [
    {
      key: "title",
      header: "Course",
      cell: (course) => (
        <span className="course-cell">
          <AddressLink href={hrefWith({ course: course.id })}>{course.title}</AddressLink>
          <span className="course-code">{course.code}</span>
        </span>
      ),
    },
    { key: "status", header: "Status", cell: (course) => <CourseStatusBadge status={course.status} /> },
    { key: "modules", header: "Modules", align: "end", cell: (course) => course.moduleCount },
    { key: "lessons", header: "Lessons", align: "end", cell: (course) => course.lessonCount },
    { key: "price", header: "Price", align: "end", cell: (course) => priceInWords(course.price) },
    {
      key: "access",
      header: "Access",
      cell: (course) => (course.accessDays ? plural(course.accessDays, "day", "days") : "No end"),
    },
    {
      key: "enrolments",
      header: "Enrolments",
      cell: (course) => (
        <AppLink href={`${basePath}enrolments?course=${course.id}`}>
          Enrolments<span className="visually-hidden"> in {course.title}</span>
        </AppLink>
      ),
    },
  ];

  const filtered = Boolean(status || search);
  return (
    <>
      <PageHeader
        title="Courses"
        lead="Your institution’s catalogue: build each course’s modules and lessons, publish it, and run its cohorts."
      />
      <div className="section-toolbar">
        <search className="section-search">
          <form className="inline-form" onSubmit={applySearch}>
            <TextField
              label="Search by title or code"
              value={draft}
              onChange={setDraft}
              autoComplete="off"
              maxLength={200}
            />
            <Button type="submit">Search</Button>
            {search ? <Button onPress={() => goTo(hrefWith({ status }))}>Clear search</Button> : null}
          </form>
        </search>
        <Button variant="primary" onPress={() => setCreating(true)}>
          New course
        </Button>
      </div>

      <nav className="status-counts" aria-label="Courses by status">
        <ul>
          <li>
            <AddressLink href={hrefWith({ search })} aria-current={status === null ? "page" : undefined}>
              All <span className="count">{all.data?.length ?? "…"}</span>
            </AddressLink>
          </li>
          {(["published", "draft", "archived"] as const).map((each) => (
            <li key={each}>
              <AddressLink
                href={hrefWith({ status: each, search })}
                aria-current={status === each ? "page" : undefined}
              >
                {statusWords[each]} <span className="count">{all.data ? counts[each] : "…"}</span>
              </AddressLink>
            </li>
          ))}
        </ul>
      </nav>

      <section className="card" aria-labelledby={resultsId} aria-busy={all.isFetching ? true : undefined}>
        <h2 id={resultsId} ref={resultsRef} tabIndex={-1}>
          {status ? `${statusWords[status]} courses` : "All courses"}
          {search ? ` matching “${search}”` : ""}
        </h2>
        {all.isPending ? (
          <LoadingState label="Loading courses…" />
        ) : all.isError ? (
          <ErrorState title="Courses could not be loaded" error={all.error} onRetry={() => void all.refetch()} />
        ) : rows.length === 0 ? (
          <EmptyState title={filtered ? "No course matches" : "No courses yet"}>
            {filtered
              ? "Try another search or status, or show all courses."
              : "Create the first one with “New course”, then add its modules and lessons."}
          </EmptyState>
        ) : (
          <DataTable
            caption={`${plural(rows.length, "course", "courses")}, by title`}
            columns={columns}
            rows={rows}
            rowKey={(course) => course.id}
          />
        )}
      </section>
      {creating ? <CreateCourseDialog onClose={() => setCreating(false)} /> : null}
    </>
  );
}

type CourseField = "code" | "title" | "summary" | "price" | "currency" | "accessDays";

function CreateCourseDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState({
    code: "",
    title: "",
    summary: "",
    price: "",
    currency: "GBP",
    accessDays: "",
  });
  const [problems, setProblems] = useState<Partial<Record<CourseField, string>>>({});
  const [general, setGeneral] = useState<unknown>(null);
  const { formRef, refused } = useFocusFirstProblem();
  const set = (field: keyof typeof values) => (value: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    setProblems(({ [field as CourseField]: _fixed, ...rest }) => rest);
  };
  const create = useMutation(trpc.courses.create.mutationOptions());

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (create.isPending) return;
    const found: Partial<Record<CourseField, string>> = {};
    const amount = values.price.trim();
    let price: { cents: number; currency: string } | null = null;
    if (amount) {
      const number = Number(amount.replace(",", "."));
      if (!Number.isFinite(number) || number < 0)
        found.price = "Enter a price such as 149 or 149.50, or leave it empty";
      else price = { cents: Math.round(number * 100), currency: values.currency };
    }
    const days = values.accessDays.trim();
    const accessDays = days ? Number(days) : null;
    const parsed = createCourseInput.safeParse({
      code: values.code,
      title: values.title,
      summary: values.summary,
      price,
      accessDays,
    });
    if (!parsed.success) {
      const issues = issuesByField(parsed.error.issues);
      for (const field of ["code", "title", "summary", "accessDays"] as const)
        if (issues[field]) found[field] = issues[field];
      if (issues["price.currency"]) found.currency = issues["price.currency"];
      if (issues.accessDays) found.accessDays = "Enter a whole number of days from 1 to 3650, or leave it empty";
    }
    setProblems(found);
    setGeneral(null);
    if (!parsed.success || Object.keys(found).length > 0) {
      refused();
      return;
    }
    create.mutate(parsed.data, {
      onSuccess: async (created) => {
        await queryClient.invalidateQueries({ queryKey: trpc.courses.list.pathKey() });
        onClose();
        goTo(hrefWith({ course: created.id }));
      },
      onError: (error) => {
        const { fields, general: other } = refusalsOf(error);
        if (error.data?.code === "CONFLICT") fields.code = error.message;
        setProblems(fields as Partial<Record<CourseField, string>>);
        setGeneral(Object.keys(fields).length ? null : other);
        refused();
      },
    });
  }

  return (
    <ModalDialog title="New course" onClose={onClose} busy={create.isPending}>
      <form ref={formRef} className="form" noValidate onSubmit={submit}>
        <p className="field-hint">It starts as a draft: learners see it once you publish it.</p>
        {general ? <ErrorState title="The course was not created" error={general} /> : null}
        <TextField
          label="Title"
          value={values.title}
          onChange={set("title")}
          error={problems.title}
          autoFocus
          maxLength={200}
        />
        <TextField
          label="Code"
          hint="Lowercase letters, digits and hyphens, unique in your institution, like ethics-101."
          value={values.code}
          onChange={set("code")}
          error={problems.code}
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="none"
          maxLength={60}
        />
        <TextAreaField
          label="Summary"
          value={values.summary}
          onChange={set("summary")}
          error={problems.summary}
          maxLength={2000}
        />
        <div className="field-row">
          <TextField
            label="Price"
            hint="Empty for a free course."
            value={values.price}
            onChange={set("price")}
            error={problems.price}
            inputMode="decimal"
            autoComplete="off"
          />
          <SelectField
            label="Currency"
            value={values.currency}
            onChange={set("currency")}
            error={problems.currency}
            options={["GBP", "EUR", "USD", "CAD", "AUD"].map((code) => ({ value: code, label: code }))}
          />
        </div>
        <TextField
          label="Days of access"
          hint="How long an enrolment lasts; empty for no end."
          value={values.accessDays}
          onChange={set("accessDays")}
          error={problems.accessDays}
          inputMode="numeric"
          autoComplete="off"
        />
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Create course
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}
