import type { AppRouter } from "@learnops/api/root";
import { createCohortInput, setDeadlineInput, updateCohortInput } from "@learnops/contracts/enrolment";
import type { SessionView } from "@learnops/contracts/me";
import { apiErrorCode, describeApiError } from "@learnops/ui/api-errors";
import { useTRPC } from "@learnops/ui/api-provider";
import {
  Button,
  Card,
  DataTable,
  type DataTableColumn,
  EmptyState,
  ErrorState,
  LoadingState,
  StatusMessage,
} from "@learnops/ui/components";
import { AppLink } from "@learnops/ui/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useRef, useState } from "react";
import {
  CheckboxField,
  dayFromToday,
  dayToInstant,
  instantToDay,
  instantToLocal,
  issuesByField,
  localToInstant,
  refusalsOf,
  SelectField,
  useFocusFirstProblem,
} from "./catalogue-fields.tsx";
import type { CourseStructure } from "./course-editor.tsx";
import { basePath } from "./routes.ts";
import { DateText, DateTimeText, ModalDialog, plural, TextField } from "./settings-controls.tsx";

export type Cohort = inferOutput<TRPCOptionsProxy<AppRouter>["cohorts"]["list"]>[number];

/** Places taken of a cohort's capacity, as a meter with the numbers beside it. */
export function PlacesMeter({ cohort }: { cohort: Pick<Cohort, "name" | "enrolled" | "capacity"> }) {
  if (cohort.capacity === null) return <span>{plural(cohort.enrolled, "learner", "learners")}, no limit</span>;
  const full = cohort.enrolled >= cohort.capacity;
  return (
    <span className="places">
      <meter
        className="places-meter"
        min={0}
        max={cohort.capacity}
        value={cohort.enrolled}
        high={Math.max(1, Math.floor(cohort.capacity * 0.9))}
        aria-label={`Places taken in ${cohort.name}`}
      />
      <span>
        {cohort.enrolled} of {cohort.capacity}
        {full ? <strong> · full</strong> : null}
      </span>
    </span>
  );
}

/** A course's cohorts: dates, places, instructors and deadlines; new cohorts and deadlines. */
export function CohortsCard({ course, session }: { course: CourseStructure; session: SessionView }) {
  const trpc = useTRPC();
  const cohorts = useQuery(trpc.cohorts.list.queryOptions({ courseId: course.id }));
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Cohort | null>(null);
  const [deadlineFor, setDeadlineFor] = useState<Cohort | null>(null);
  const [outcome, setOutcome] = useState("");
  const outcomeRef = useRef<HTMLDivElement>(null);
  const canManage = session.permissions.includes("courses.manage");

  const columns: DataTableColumn<Cohort>[] = [
    {
      key: "name",
      header: "Cohort",
      cell: (cohort) => (
        <span className="course-cell">
          <span>{cohort.name}</span>
          {cohort.clientGroup ? <span className="meta">For {cohort.clientGroup.name}</span> : null}
        </span>
      ),
    },
    {
      key: "dates",
      header: "Runs",
      cell: (cohort) => (
        <span className="nowrap">
          <DateText value={cohort.startsAt} /> – <DateText value={cohort.endsAt} />
        </span>
      ),
    },
    {
      key: "enrolment",
      header: "Enrolment",
      cell: (cohort) =>
        cohort.enrolmentOpensAt || cohort.enrolmentClosesAt ? (
          <span className="nowrap">
            {cohort.enrolmentOpensAt ? (
              <>
                opens <DateText value={cohort.enrolmentOpensAt} />
              </>
            ) : null}
            {cohort.enrolmentOpensAt && cohort.enrolmentClosesAt ? <br /> : null}
            {cohort.enrolmentClosesAt ? (
              <>
                closes <DateText value={cohort.enrolmentClosesAt} />
              </>
            ) : null}
          </span>
        ) : (
          "Always open"
        ),
    },
    {
      key: "places",
      header: "Places taken",
      cell: (cohort) => (
        <span className="course-cell">
          <PlacesMeter cohort={cohort} />
          {cohort.enrolled > 0 ? (
            <AppLink href={`${basePath}enrolments?course=${course.id}&cohort=${cohort.id}`}>
              {plural(cohort.enrolled, "enrolment", "enrolments")}
              <span className="visually-hidden"> in {cohort.name}</span>
            </AppLink>
          ) : null}
        </span>
      ),
    },
    {
      key: "instructors",
      header: "Instructors",
      cell: (cohort) =>
        cohort.instructors.length ? cohort.instructors.map((person) => person.displayName).join(", ") : "None yet",
    },
    {
      key: "deadlines",
      header: "Deadlines",
      cell: (cohort) =>
        cohort.deadlines.length ? (
          <ul className="deadline-list">
            {cohort.deadlines.map((deadline) => (
              <li key={deadline.id}>
                {deadline.title}: <DateTimeText value={deadline.dueAt} />
              </li>
            ))}
          </ul>
        ) : (
          "None"
        ),
    },
  ];
  if (canManage) {
    columns.push({
      key: "actions",
      header: "Actions",
      cell: (cohort) => (
        <span className="row-actions nowrap">
          <Button className="button-small" onPress={() => setEditing(cohort)}>
            Edit<span className="visually-hidden"> {cohort.name}</span>
          </Button>
          <Button className="button-small" onPress={() => setDeadlineFor(cohort)}>
            Set deadline<span className="visually-hidden"> for {cohort.name}</span>
          </Button>
        </span>
      ),
    });
  }

  return (
    <Card
      title="Cohorts"
      description="Groups of learners who take the course together, with dates, places and a tutor."
    >
      <div ref={outcomeRef} tabIndex={-1} className="status-message-holder">
        <StatusMessage tone="positive">{outcome}</StatusMessage>
      </div>
      {cohorts.isPending ? (
        <LoadingState label="Loading cohorts…" />
      ) : cohorts.isError ? (
        <ErrorState title="Cohorts could not be loaded" error={cohorts.error} onRetry={() => void cohorts.refetch()} />
      ) : cohorts.data.length === 0 ? (
        <EmptyState title="No cohorts">
          {canManage
            ? "Learners take this course at their own pace. Add a cohort to run it with dates, places and a tutor."
            : "Learners take this course at their own pace."}
        </EmptyState>
      ) : (
        <DataTable
          caption={`${plural(cohorts.data.length, "cohort", "cohorts")} of ${course.title}, soonest first`}
          columns={columns}
          rows={cohorts.data}
          rowKey={(cohort) => cohort.id}
        />
      )}
      {canManage ? (
        <div className="row-actions">
          <Button onPress={() => setCreating(true)}>New cohort</Button>
        </div>
      ) : null}
      {creating || editing ? (
        <CohortDialog
          course={course}
          session={session}
          cohort={editing}
          onClose={() => {
            setCreating(false);
            setEditing(null);
          }}
          onSaved={(name) => {
            setOutcome(editing ? `Saved the cohort “${name}”.` : `Added the cohort “${name}”.`);
            setCreating(false);
            setEditing(null);
          }}
        />
      ) : null}
      {deadlineFor ? (
        <DeadlineDialog
          course={course}
          cohort={deadlineFor}
          onClose={() => setDeadlineFor(null)}
          onSaved={(message) => {
            setDeadlineFor(null);
            setOutcome(message);
          }}
        />
      ) : null}
    </Card>
  );
}

type CohortField =
  | "name"
  | "startsAt"
  | "endsAt"
  | "enrolmentOpensAt"
  | "enrolmentClosesAt"
  | "capacity"
  | "clientGroupId";

/** Adds a cohort to the course, or, given one, changes it (the same form, filled in with what it has). */
function CohortDialog({
  course,
  session,
  cohort,
  onClose,
  onSaved,
}: {
  course: CourseStructure;
  session: SessionView;
  cohort: Cohort | null;
  onClose: () => void;
  onSaved: (name: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const groups = useQuery({
    ...trpc.clientGroups.list.queryOptions(),
    enabled: session.permissions.includes("client_groups.read"),
  });
  const [values, setValues] = useState({
    name: cohort?.name ?? "",
    startsAt: cohort ? instantToDay(cohort.startsAt) : dayFromToday(14),
    endsAt: cohort ? instantToDay(cohort.endsAt) : dayFromToday(98),
    enrolmentOpensAt: instantToDay(cohort?.enrolmentOpensAt),
    enrolmentClosesAt: instantToDay(cohort?.enrolmentClosesAt),
    capacity: cohort?.capacity ? String(cohort.capacity) : "",
    clientGroupId: cohort?.clientGroup?.id ?? "",
  });
  const [problems, setProblems] = useState<Partial<Record<CohortField, string>>>({});
  const [general, setGeneral] = useState<unknown>(null);
  const { formRef, refused } = useFocusFirstProblem();
  const create = useMutation(trpc.cohorts.create.mutationOptions());
  const update = useMutation(trpc.cohorts.update.mutationOptions());
  const saving = create.isPending || update.isPending;
  // Who may teach a cohort: the institution's instructors and course admins (the API checks the same).
  const people = useQuery({
    ...trpc.people.list.queryOptions({ limit: 200 }),
    enabled: session.permissions.includes("users.read"),
  });
  const teachers = (people.data?.people ?? []).filter((person) =>
    person.memberships.some((membership) => membership.role === "instructor" || membership.role === "course_admin"),
  );
  const [instructorIds, setInstructorIds] = useState<Set<string>>(
    new Set(cohort?.instructors.map((person) => person.userId)),
  );
  const set = (field: CohortField) => (value: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    setProblems(({ [field]: _fixed, ...rest }) => rest);
  };

  /** A day as the API's instant; a day left as it was keeps the cohort's own time of day. */
  const instantOf = (day: string, time: string, was: string | null | undefined) =>
    was && day === instantToDay(was) ? was : dayToInstant(day, time);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (saving) return;
    const found: Partial<Record<CohortField, string>> = {};
    const startsAt = instantOf(values.startsAt, "00:00", cohort?.startsAt);
    const endsAt = instantOf(values.endsAt, "23:59", cohort?.endsAt);
    if (!startsAt) found.startsAt = "Enter the day the cohort starts";
    if (!endsAt) found.endsAt = "Enter the day the cohort ends";
    const details = {
      name: values.name,
      startsAt: startsAt ?? "",
      endsAt: endsAt ?? "",
      enrolmentOpensAt: instantOf(values.enrolmentOpensAt, "00:00", cohort?.enrolmentOpensAt) ?? null,
      enrolmentClosesAt: instantOf(values.enrolmentClosesAt, "23:59", cohort?.enrolmentClosesAt) ?? null,
      capacity: values.capacity.trim() ? Number(values.capacity) : null,
      clientGroupId: values.clientGroupId || null,
      instructorIds: [...instructorIds],
    };
    const parsed = cohort
      ? updateCohortInput.safeParse({ cohortId: cohort.id, ...details })
      : createCohortInput.safeParse({ courseId: course.id, ...details });
    if (!parsed.success) {
      const issues = issuesByField(parsed.error.issues);
      for (const field of ["name", "endsAt", "enrolmentClosesAt"] as const)
        if (issues[field]) found[field] ??= issues[field];
      if (issues.capacity) found.capacity = "Enter a whole number of places from 1 to 100,000, or leave it empty";
    }
    setProblems(found);
    setGeneral(null);
    if (!parsed.success || Object.keys(found).length) {
      refused();
      return;
    }
    const callbacks = {
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.cohorts.list.pathKey() });
        onSaved(details.name.trim());
      },
      onError: (error: unknown) => {
        const { fields, general: other } = refusalsOf(error);
        if (apiErrorCode(error) === "CONFLICT") fields.name = describeApiError(error).message;
        setProblems(fields as Partial<Record<CohortField, string>>);
        setGeneral(Object.keys(fields).length ? null : other);
        refused();
      },
    };
    if ("cohortId" in parsed.data) update.mutate(parsed.data, callbacks);
    else create.mutate(parsed.data, callbacks);
  }

  return (
    <ModalDialog
      title={cohort ? `Edit ${cohort.name}` : `New cohort of ${course.title}`}
      onClose={onClose}
      busy={saving}
    >
      <form ref={formRef} className="form" noValidate onSubmit={submit}>
        {general ? (
          <ErrorState title={cohort ? "The cohort was not saved" : "The cohort was not added"} error={general} />
        ) : null}
        <TextField
          label="Name"
          value={values.name}
          onChange={set("name")}
          error={problems.name}
          autoFocus
          maxLength={200}
        />
        <div className="field-row">
          <TextField
            label="Starts on"
            type="date"
            value={values.startsAt}
            onChange={set("startsAt")}
            error={problems.startsAt}
          />
          <TextField
            label="Ends on"
            type="date"
            value={values.endsAt}
            onChange={set("endsAt")}
            error={problems.endsAt}
          />
        </div>
        <div className="field-row">
          <TextField
            label="Enrolment opens (optional)"
            type="date"
            value={values.enrolmentOpensAt}
            onChange={set("enrolmentOpensAt")}
            error={problems.enrolmentOpensAt}
          />
          <TextField
            label="Enrolment closes (optional)"
            type="date"
            value={values.enrolmentClosesAt}
            onChange={set("enrolmentClosesAt")}
            error={problems.enrolmentClosesAt}
          />
        </div>
        <TextField
          label="Places (optional)"
          hint="Empty for no limit."
          value={values.capacity}
          onChange={set("capacity")}
          error={problems.capacity}
          inputMode="numeric"
          autoComplete="off"
        />
        {groups.data && groups.data.length > 0 ? (
          <SelectField
            label="Only for a client group (optional)"
            value={values.clientGroupId}
            onChange={set("clientGroupId")}
            error={problems.clientGroupId}
            options={[
              { value: "", label: "Open to every learner" },
              ...groups.data.map((group) => ({ value: group.id, label: group.name })),
            ]}
          />
        ) : null}
        {teachers.length > 0 ? (
          <fieldset className="choice-group">
            <legend>Instructors (optional)</legend>
            {teachers.map((person) => (
              <CheckboxField
                key={person.userId}
                label={person.displayName}
                checked={instructorIds.has(person.userId)}
                onChange={(on) =>
                  setInstructorIds((current) => {
                    const next = new Set(current);
                    if (on) next.add(person.userId);
                    else next.delete(person.userId);
                    return next;
                  })
                }
              />
            ))}
          </fieldset>
        ) : null}
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={saving}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isPending={saving}>
            {cohort ? "Save cohort" : "Add cohort"}
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}

function DeadlineDialog({
  course,
  cohort,
  onClose,
  onSaved,
}: {
  course: CourseStructure;
  cohort: Cohort;
  onClose: () => void;
  onSaved: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const targets = course.modules.flatMap((module) => [
    { value: `module:${module.id}`, label: `Module: ${module.title}`, title: module.title },
    ...module.lessons
      .filter((lesson) => lesson.kind === "assignment")
      .map((lesson) => ({ value: `lesson:${lesson.id}`, label: `Assignment: ${lesson.title}`, title: lesson.title })),
  ]);
  const [target, setTarget] = useState(targets[0]?.value ?? "");
  const existing = cohort.deadlines.find(
    (deadline) => `module:${deadline.moduleId}` === target || `lesson:${deadline.lessonId}` === target,
  );
  const [dueAt, setDueAt] = useState(instantToLocal(existing?.dueAt ?? null));
  const [problem, setProblem] = useState<string | null>(null);
  const { formRef, refused } = useFocusFirstProblem();
  const save = useMutation(trpc.cohorts.setDeadline.mutationOptions());

  function send(due: string | null) {
    const [kind, id] = target.split(":");
    const parsed = setDeadlineInput.safeParse({
      cohortId: cohort.id,
      ...(kind === "module" ? { moduleId: id } : { lessonId: id }),
      dueAt: due,
    });
    if (!parsed.success) {
      setProblem("Choose a module or an assignment");
      refused();
      return;
    }
    const title = targets.find((candidate) => candidate.value === target)?.title ?? "";
    save.mutate(parsed.data, {
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.cohorts.list.pathKey() });
        onSaved(
          due
            ? `Set the deadline for “${title}” in ${cohort.name}.`
            : `Removed the deadline for “${title}” in ${cohort.name}.`,
        );
      },
      onError: (error) => {
        setProblem(refusalsOf(error).fields.dueAt ?? null);
        refused();
      },
    });
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (save.isPending) return;
    const instant = localToInstant(dueAt);
    if (!instant) {
      setProblem("Enter the day and time it is due");
      refused();
      return;
    }
    setProblem(null);
    send(instant);
  }

  return (
    <ModalDialog title={`Set a deadline in ${cohort.name}`} onClose={onClose} busy={save.isPending}>
      {targets.length === 0 ? (
        <>
          <EmptyState title="Nothing to set a deadline for">Add a module to the course first.</EmptyState>
          <div className="dialog-actions">
            <Button onPress={onClose}>Close</Button>
          </div>
        </>
      ) : (
        <form ref={formRef} className="form" noValidate onSubmit={submit}>
          <p className="field-hint">
            Between <DateText value={cohort.startsAt} /> and <DateText value={cohort.endsAt} />. One learner can be
            given more time from Enrolments.
          </p>
          <SelectField
            label="Deadline for"
            value={target}
            onChange={(value) => {
              setTarget(value);
              const found = cohort.deadlines.find(
                (deadline) => `module:${deadline.moduleId}` === value || `lesson:${deadline.lessonId}` === value,
              );
              setDueAt(instantToLocal(found?.dueAt ?? null));
            }}
            options={targets}
          />
          <TextField
            label="Due"
            type="datetime-local"
            value={dueAt}
            onChange={(value) => {
              setDueAt(value);
              setProblem(null);
            }}
            error={problem}
          />
          {save.isError && !problem ? <ErrorState title="The deadline was not saved" error={save.error} /> : null}
          <div className="dialog-actions">
            <Button onPress={onClose} isDisabled={save.isPending}>
              Cancel
            </Button>
            {existing ? (
              <Button isPending={save.isPending && save.variables?.dueAt === null} onPress={() => send(null)}>
                Remove deadline
              </Button>
            ) : null}
            <Button type="submit" variant="primary" isPending={save.isPending && save.variables?.dueAt !== null}>
              Set deadline
            </Button>
          </div>
        </form>
      )}
    </ModalDialog>
  );
}
