import "./courses.css";
import type { AppRouter } from "@learnops/api/root";
import { createContractInput, enrolClientGroupInput, terminateContractInput } from "@learnops/contracts/enrolment";
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
  StatusBadge,
  StatusMessage,
} from "@learnops/ui/components";
import { AppLink } from "@learnops/ui/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useId, useRef, useState } from "react";
import {
  CheckboxField,
  dayFromToday,
  issuesByField,
  ReasonField,
  refusalsOf,
  SelectField,
  useFocusFirstProblem,
} from "./catalogue-fields.tsx";
import { useCourseOptions } from "./course-options.ts";
import { basePath } from "./routes.ts";
import { ModalDialog, plural, TextField } from "./settings-controls.tsx";

type Contract = inferOutput<TRPCOptionsProxy<AppRouter>["contracts"]["list"]>[number];

const stateWords: Record<Contract["state"], { label: string; tone: "positive" | "critical" | "neutral" }> = {
  current: { label: "Current", tone: "positive" },
  scheduled: { label: "Scheduled", tone: "neutral" },
  ended: { label: "Ended", tone: "neutral" },
  terminated: { label: "Terminated", tone: "critical" },
};

const dayFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  timeZone: "UTC",
});

/** A calendar day (YYYY-MM-DD) as the reader writes dates. */
function Day({ value }: { value: string }) {
  return <time dateTime={value}>{dayFormat.format(new Date(`${value}T00:00:00Z`))}</time>;
}

type Dialog = { kind: "create" } | { kind: "terminate"; contract: Contract } | { kind: "enrol"; contract: Contract };

/** Corporate contracts: which client group may take which courses, when; enrolling its people; ending one. */
export default function ContractsView({ session }: { session: SessionView }) {
  const trpc = useTRPC();
  const contracts = useQuery(trpc.contracts.list.queryOptions());
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [outcome, setOutcome] = useState("");
  const outcomeRef = useRef<HTMLDivElement>(null);
  const done = (message: string) => {
    setDialog(null);
    setOutcome(message);
  };

  const columns: DataTableColumn<Contract>[] = [
    {
      key: "name",
      header: "Contract",
      cell: (row) => (
        <span className="course-cell">
          <span>{row.name}</span>
          <span className="meta">{row.clientGroup.name}</span>
        </span>
      ),
    },
    {
      key: "runs",
      header: "Runs",
      cell: (row) => (
        <span className="nowrap">
          <Day value={row.startsOn} /> – <Day value={row.endsOn} />
        </span>
      ),
    },
    { key: "courses", header: "Courses", cell: (row) => row.courses.map((course) => course.title).join(", ") },
    {
      key: "enrolments",
      header: "Enrolments",
      align: "end",
      cell: (row) => (
        <span className="nowrap">
          {row.enrolments.live} live of {row.enrolments.total}
        </span>
      ),
    },
    {
      key: "state",
      header: "State",
      cell: (row) => <StatusBadge tone={stateWords[row.state].tone}>{stateWords[row.state].label}</StatusBadge>,
    },
    {
      key: "actions",
      header: "Actions",
      cell: (row) =>
        row.state === "current" || row.state === "scheduled" ? (
          <div className="row-actions">
            {row.state === "current" ? (
              <Button className="button-small" onPress={() => setDialog({ kind: "enrol", contract: row })}>
                Enrol people<span className="visually-hidden"> under {row.name}</span>
              </Button>
            ) : null}
            <Button className="button-small" onPress={() => setDialog({ kind: "terminate", contract: row })}>
              Terminate<span className="visually-hidden"> {row.name}</span>
            </Button>
          </div>
        ) : null,
    },
  ];

  return (
    <>
      <div className="section-toolbar">
        <p className="meta">
          A client group’s people take the contract’s courses free while it runs; their access ends with it.{" "}
          <AppLink href={`${basePath}client-groups`}>Client groups</AppLink>
        </p>
        <Button variant="primary" onPress={() => setDialog({ kind: "create" })}>
          New contract
        </Button>
      </div>
      <div ref={outcomeRef} tabIndex={-1} className="status-message-holder">
        <StatusMessage tone="positive">{outcome}</StatusMessage>
      </div>
      <Card title="Corporate contracts">
        {contracts.isPending ? (
          <LoadingState label="Loading contracts…" />
        ) : contracts.isError ? (
          <ErrorState
            title="Contracts could not be loaded"
            error={contracts.error}
            onRetry={() => void contracts.refetch()}
          />
        ) : contracts.data.length === 0 ? (
          <EmptyState title="No contracts yet">Create one with “New contract” for a client group you train.</EmptyState>
        ) : (
          <DataTable
            caption={`${plural(contracts.data.length, "contract", "contracts")}, latest ending first`}
            columns={columns}
            rows={contracts.data}
            rowKey={(row) => row.id}
          />
        )}
      </Card>
      {dialog?.kind === "create" ? (
        <CreateContractDialog session={session} onClose={() => setDialog(null)} onDone={done} />
      ) : null}
      {dialog?.kind === "terminate" ? (
        <TerminateDialog
          contract={dialog.contract}
          onClose={() => setDialog(null)}
          onDone={done}
          returnFocusTo={() => outcomeRef.current}
        />
      ) : null}
      {dialog?.kind === "enrol" ? (
        <EnrolDialog contract={dialog.contract} onClose={() => setDialog(null)} onDone={done} />
      ) : null}
    </>
  );
}

function useRefreshContracts() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.contracts.list.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.enrolments.list.pathKey() }),
    ]);
}

type ContractField = "clientGroupId" | "name" | "startsOn" | "endsOn" | "courseIds";

function CreateContractDialog({
  session,
  onClose,
  onDone,
}: {
  session: SessionView;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshContracts();
  const groups = useQuery(trpc.clientGroups.list.queryOptions());
  const courses = useCourseOptions(session).options.filter((course) => course.status === "published");
  const [values, setValues] = useState({
    clientGroupId: "",
    name: "",
    startsOn: dayFromToday(0),
    endsOn: dayFromToday(365),
  });
  const [courseIds, setCourseIds] = useState<Set<string>>(new Set());
  const [problems, setProblems] = useState<Partial<Record<ContractField, string>>>({});
  const [general, setGeneral] = useState<unknown>(null);
  const { formRef, refused } = useFocusFirstProblem();
  const coursesId = useId();
  const create = useMutation(trpc.contracts.create.mutationOptions());
  const groupId = values.clientGroupId || groups.data?.[0]?.id || "";
  const set = (field: keyof typeof values) => (value: string) =>
    setValues((current) => ({ ...current, [field]: value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (create.isPending) return;
    const parsed = createContractInput.safeParse({ ...values, clientGroupId: groupId, courseIds: [...courseIds] });
    setGeneral(null);
    if (!parsed.success) {
      const issues = issuesByField(parsed.error.issues);
      const found: Partial<Record<ContractField, string>> = {};
      for (const field of ["name", "endsOn", "courseIds"] as const) if (issues[field]) found[field] = issues[field];
      if (issues.startsOn) found.startsOn = "Enter the first day of the contract";
      if (issues.clientGroupId) found.clientGroupId = "Choose the client group";
      setProblems(found);
      refused();
      return;
    }
    setProblems({});
    create.mutate(parsed.data, {
      onSuccess: async () => {
        await refresh();
        onDone(`Created the contract “${parsed.data.name}”.`);
      },
      onError: (error) => {
        const { fields, general: other } = refusalsOf(error);
        setProblems(fields as Partial<Record<ContractField, string>>);
        setGeneral(Object.keys(fields).length ? null : other);
        refused();
      },
    });
  }

  return (
    <ModalDialog title="New contract" onClose={onClose} busy={create.isPending}>
      <form ref={formRef} className="form" noValidate onSubmit={submit}>
        {general ? <ErrorState title="The contract was not created" error={general} /> : null}
        <TextField
          label="Name"
          value={values.name}
          onChange={set("name")}
          error={problems.name}
          autoFocus
          maxLength={200}
        />
        <SelectField
          label="Client group"
          value={groupId}
          onChange={set("clientGroupId")}
          error={problems.clientGroupId}
          options={(groups.data ?? []).map((group) => ({ value: group.id, label: group.name }))}
        />
        <div className="field-row">
          <TextField
            label="Starts on"
            type="date"
            value={values.startsOn}
            onChange={set("startsOn")}
            error={problems.startsOn}
          />
          <TextField
            label="Ends on (included)"
            type="date"
            value={values.endsOn}
            onChange={set("endsOn")}
            error={problems.endsOn}
          />
        </div>
        <fieldset className="choice-group" aria-describedby={problems.courseIds ? `${coursesId}-error` : undefined}>
          <legend>Courses it covers</legend>
          {problems.courseIds ? (
            <p id={`${coursesId}-error`} className="field-error">
              <span className="visually-hidden">Error: </span>
              {problems.courseIds}
            </p>
          ) : null}
          {courses.map((course) => (
            <CheckboxField
              key={course.id}
              label={course.title}
              checked={courseIds.has(course.id)}
              onChange={(on) =>
                setCourseIds((current) => {
                  const next = new Set(current);
                  if (on) next.add(course.id);
                  else next.delete(course.id);
                  return next;
                })
              }
            />
          ))}
        </fieldset>
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Create contract
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}

function TerminateDialog({
  contract,
  onClose,
  onDone,
  returnFocusTo,
}: {
  contract: Contract;
  onClose: () => void;
  onDone: (message: string) => void;
  returnFocusTo: () => HTMLElement | null;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshContracts();
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const { formRef, refused } = useFocusFirstProblem();
  const terminate = useMutation(trpc.contracts.terminate.mutationOptions());
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (terminate.isPending) return;
    const parsed = terminateContractInput.safeParse({ contractId: contract.id, reason });
    if (!parsed.success) {
      setProblem(issuesByField(parsed.error.issues).reason ?? "Give a reason");
      refused();
      return;
    }
    setProblem(null);
    terminate.mutate(parsed.data, {
      onSuccess: async () => {
        await refresh();
        onDone(`Terminated “${contract.name}”.`);
      },
    });
  }
  return (
    <ModalDialog
      role="alertdialog"
      title={`Terminate “${contract.name}”?`}
      onClose={onClose}
      busy={terminate.isPending}
      returnFocusTo={returnFocusTo}
    >
      <form ref={formRef} className="form" noValidate onSubmit={submit}>
        <p>
          {contract.clientGroup.name}’s people lose access through it:{" "}
          {plural(contract.enrolments.live, "live enrolment", "live enrolments")} end. This cannot be undone; a new
          contract can be made.
        </p>
        {terminate.isError ? <ErrorState title="The contract was not terminated" error={terminate.error} /> : null}
        <ReasonField value={reason} onChange={setReason} error={problem} autoFocus />
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={terminate.isPending}>
            Keep it
          </Button>
          <Button type="submit" variant="danger" isPending={terminate.isPending}>
            Terminate contract
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}

type EnrolResult = inferOutput<TRPCOptionsProxy<AppRouter>["contracts"]["enrolClientGroup"]>;

function EnrolDialog({
  contract,
  onClose,
  onDone,
}: {
  contract: Contract;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshContracts();
  // The client group's learners, from the people list (the API has no list of one group's members).
  const people = useQuery(trpc.people.list.queryOptions({ limit: 200 }));
  const learners = (people.data?.people ?? []).filter((person) =>
    person.memberships.some(
      (membership) => membership.role === "learner" && membership.clientGroupId === contract.clientGroup.id,
    ),
  );
  const [courseId, setCourseId] = useState(contract.courses[0]?.id ?? "");
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<EnrolResult | null>(null);
  const enrol = useMutation(trpc.contracts.enrolClientGroup.mutationOptions());
  const { formRef, refused } = useFocusFirstProblem();
  const peopleId = useId();
  const nameOf = (userId: string) => learners.find((person) => person.userId === userId)?.displayName ?? "Someone";

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (enrol.isPending) return;
    const parsed = enrolClientGroupInput.safeParse({ contractId: contract.id, courseId, userIds: [...chosen] });
    if (!parsed.success) {
      setProblem("Choose at least one person");
      refused();
      return;
    }
    setProblem(null);
    enrol.mutate(parsed.data, {
      onSuccess: async (answer) => {
        await refresh();
        setResult(answer);
      },
    });
  }

  if (result) {
    const outcomes = result.results;
    const created = result.created;
    return (
      <ModalDialog
        title={`Enrolled under “${contract.name}”`}
        onClose={() => onDone(`${plural(created, "person", "people")} enrolled under “${contract.name}”.`)}
      >
        <ul className="enrol-results">
          {outcomes.map((entry) => (
            <li key={entry.userId}>
              <StatusBadge
                tone={entry.outcome === "created" ? "positive" : entry.outcome === "refused" ? "critical" : "neutral"}
              >
                {entry.outcome === "created"
                  ? "Enrolled"
                  : entry.outcome === "refused"
                    ? "Refused"
                    : "Already enrolled"}
              </StatusBadge>{" "}
              {nameOf(entry.userId)}
              {entry.outcome === "refused" ? `: ${entry.reason}` : ""}
            </li>
          ))}
        </ul>
        <div className="dialog-actions">
          <Button
            variant="primary"
            autoFocus
            onPress={() => onDone(`${plural(created, "person", "people")} enrolled under “${contract.name}”.`)}
          >
            Done
          </Button>
        </div>
      </ModalDialog>
    );
  }

  return (
    <ModalDialog title={`Enrol people of ${contract.clientGroup.name}`} onClose={onClose} busy={enrol.isPending}>
      <form ref={formRef} className="form" noValidate onSubmit={submit}>
        <p className="field-hint">
          Under “{contract.name}”: free, until the contract ends or the course’s access does.
        </p>
        {enrol.isError ? <ErrorState title="Nobody was enrolled" error={enrol.error} /> : null}
        <SelectField
          label="Course"
          value={courseId}
          onChange={setCourseId}
          options={contract.courses.map((course) => ({ value: course.id, label: course.title }))}
        />
        {people.isPending ? (
          <LoadingState label="Loading the client group’s learners…" />
        ) : learners.length === 0 ? (
          <EmptyState title={`${contract.clientGroup.name} has no learners yet`}>
            Add them from People first.
          </EmptyState>
        ) : (
          <fieldset
            className="choice-group learner-choices"
            aria-describedby={problem ? `${peopleId}-error` : undefined}
          >
            <legend>People to enrol</legend>
            {problem ? (
              <p id={`${peopleId}-error`} className="field-error" tabIndex={-1} role="alert">
                {problem}
              </p>
            ) : null}
            {learners.map((person) => (
              <CheckboxField
                key={person.userId}
                label={`${person.displayName} (${person.email})`}
                checked={chosen.has(person.userId)}
                onChange={(on) =>
                  setChosen((current) => {
                    const next = new Set(current);
                    if (on) next.add(person.userId);
                    else next.delete(person.userId);
                    return next;
                  })
                }
              />
            ))}
          </fieldset>
        )}
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={enrol.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isPending={enrol.isPending}>
            Enrol {chosen.size ? plural(chosen.size, "person", "people") : "people"}
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}
