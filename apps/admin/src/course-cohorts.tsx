import type { AppRouter } from "@learnops/api/root";
import { createCohortInput, setDeadlineInput } from "@learnops/contracts/enrolment";
import type { SessionView } from "@learnops/contracts/me";
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
        <Button className="button-small" onPress={() => setDeadlineFor(cohort)}>
          Set deadline<span className="visually-hidden"> for {cohort.name}</span>
        </Button>
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
      {creating ? (
        <CreateCohortDialog
          course={course}
          session={session}
          onClose={() => setCreating(false)}
          onCreated={(name) => {
            setCreating(false);
            setOutcome(`Added the cohort “${name}”.`);
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

function CreateCohortDialog({
  course,
  session,
  onClose,
  onCreated,
}: {
  course: CourseStructure;
  session: SessionView;
  onClose: () => void;
  onCreated: (name: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const groups = useQuery({
    ...trpc.clientGroups.list.queryOptions(),
    enabled: session.permissions.includes("client_groups.read"),
  });
  const [values, setValues] = useState({
    name: "",
    startsAt: dayFromToday(14),
    endsAt: dayFromToday(98),
    enrolmentOpensAt: "",
    enrolmentClosesAt: "",
    capacity: "",
    clientGroupId: "",
  });
  const [problems, setProblems] = useState<Partial<Record<CohortField, string>>>({});
  const [general, setGeneral] = useState<unknown>(null);
  const { formRef, refused } = useFocusFirstProblem();
  const create = useMutation(trpc.cohorts.create.mutationOptions());
  // Who may teach a cohort: the institution's instructors and course admins (the API checks the same).
  const people = useQuery({
    ...trpc.people.list.queryOptions({ limit: 200 }),
    enabled: session.permissions.includes("users.read"),
  });
  const teachers = (people.data?.people ?? []).filter((person) =>
    person.memberships.some((membership) => membership.role === "instructor" || membership.role === "course_admin"),
  );
  const [instructorIds, setInstructorIds] = useState<Set<string>>(new Set());
  const set = (field: CohortField) => (value: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    setProblems(({ [field]: _fixed, ...rest }) => rest);
  };

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (create.isPending) return;
    const found: Partial<Record<CohortField, string>> = {};
    const startsAt = dayToInstant(values.startsAt);
    const endsAt = dayToInstant(values.endsAt, "23:59");
    if (!startsAt) found.startsAt = "Enter the day the cohort starts";
    if (!endsAt) found.endsAt = "Enter the day the cohort ends";
    const parsed = createCohortInput.safeParse({
      courseId: course.id,
      name: values.name,
      startsAt: startsAt ?? "",
      endsAt: endsAt ?? "",
      enrolmentOpensAt: dayToInstant(values.enrolmentOpensAt) ?? null,
      enrolmentClosesAt: dayToInstant(values.enrolmentClosesAt, "23:59") ?? null,
      capacity: values.capacity.trim() ? Number(values.capacity) : null,
      clientGroupId: values.clientGroupId || null,
      instructorIds: [...instructorIds],
    });
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
    create.mutate(parsed.data, {
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.cohorts.list.pathKey() });
        onCreated(parsed.data.name);
      },
      onError: (error) => {
        const { fields, general: other } = refusalsOf(error);
        if (error.data?.code === "CONFLICT") fields.name = error.message;
        setProblems(fields as Partial<Record<CohortField, string>>);
        setGeneral(Object.keys(fields).length ? null : other);
        refused();
      },
    });
  }

  return (
    <ModalDialog title={`New cohort of ${course.title}`} onClose={onClose} busy={create.isPending}>
      <form ref={formRef} className="form" noValidate onSubmit={submit}>
        {general ? <ErrorState title="The cohort was not added" error={general} /> : null}
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
          <Button onPress={onClose} isDisabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Add cohort
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
