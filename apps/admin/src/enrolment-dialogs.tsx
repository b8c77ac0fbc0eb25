/** The dialogs that change an enrolment: each says what it will do and asks why (kept in the audit trail). */
import type { AppRouter } from "@learnops/api/root";
import {
  changeEnrolmentStatusInput,
  createOverrideInput,
  extendDeadlineInput,
  extendEnrolmentInput,
  grantEnrolmentInput,
  reassignEnrolmentInput,
  transferEnrolmentInput,
} from "@learnops/contracts/enrolment";
import { useTRPC, useTRPCClient } from "@learnops/ui/api-provider";
import { Button, EmptyState, ErrorState, LoadingState } from "@learnops/ui/components";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, type ReactNode, useId, useState } from "react";
import {
  dayFromToday,
  dayToInstant,
  instantToDay,
  instantToLocal,
  issuesByField,
  localToInstant,
  ReasonField,
  refusalsOf,
  SelectField,
  useFocusFirstProblem,
} from "./catalogue-fields.tsx";
import type { CourseOption } from "./course-options.ts";
import { statusWords } from "./enrolment-words.ts";
import { DateText, ModalDialog, TextField } from "./settings-controls.tsx";

type Enrolment = inferOutput<TRPCOptionsProxy<AppRouter>["enrolments"]["list"]>["enrolments"][number];

export type { CourseOption };

export type EnrolmentDialog =
  | { kind: "trace"; enrolment: Enrolment }
  | { kind: "extend"; enrolment: Enrolment }
  | { kind: "transfer"; enrolment: Enrolment }
  | { kind: "reassign"; enrolment: Enrolment }
  | { kind: "suspend"; enrolment: Enrolment }
  | { kind: "reinstate"; enrolment: Enrolment }
  | { kind: "cancel"; enrolment: Enrolment }
  | { kind: "override"; enrolment: Enrolment }
  | { kind: "deadline"; enrolment: Enrolment };

function useRefreshEnrolments() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.enrolments.list.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.cohorts.list.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.access.listOverrides.pathKey() }),
    ]);
  };
}

type Field = "reason" | "expiresAt" | "cohortId" | "courseId" | "userId" | "effect";

/**
 * The frame of every change: a form with the fields given, a reason, the refusal of the API at its field or
 * above the form, and the buttons. `build` checks the values with the contract's schema and returns the
 * request to send, or the problems by field.
 */
function ChangeForm({
  title,
  lead,
  submitLabel,
  danger = false,
  fields,
  build,
  onClose,
  onDone,
  reasonFirst = false,
}: {
  title: string;
  lead: ReactNode;
  submitLabel: string;
  danger?: boolean;
  fields?: (problems: Partial<Record<Field, string>>) => ReactNode;
  build: (reason: string) => { problems: Partial<Record<Field, string>> } | { send: () => Promise<string> };
  onClose: () => void;
  onDone: (message: string) => void;
  reasonFirst?: boolean;
}) {
  const refresh = useRefreshEnrolments();
  const [reason, setReason] = useState("");
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});
  const [general, setGeneral] = useState<unknown>(null);
  const { formRef, refused } = useFocusFirstProblem();
  const change = useMutation({ mutationFn: (run: () => Promise<string>) => run() });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (change.isPending) return;
    const built = build(reason);
    setGeneral(null);
    if ("problems" in built) {
      setProblems(built.problems);
      refused();
      return;
    }
    setProblems({});
    change.mutate(built.send, {
      onSuccess: async (message) => {
        await refresh();
        onDone(message);
      },
      onError: (error) => {
        const { fields: refusedFields, general: other } = refusalsOf(error);
        const known: Partial<Record<Field, string>> = {};
        for (const key of ["reason", "expiresAt", "cohortId", "courseId", "userId", "effect"] as const) {
          if (refusedFields[key]) known[key] = refusedFields[key];
        }
        // A deadline's new time is the form's date field too.
        if (refusedFields.dueAt) known.expiresAt = refusedFields.dueAt;
        setProblems(known);
        setGeneral(Object.keys(known).length ? null : (other ?? error));
        refused();
      },
    });
  }

  return (
    <ModalDialog title={title} onClose={onClose} busy={change.isPending} role={danger ? "alertdialog" : "dialog"}>
      <form ref={formRef} className="form" noValidate onSubmit={submit}>
        <div className="dialog-lead">{lead}</div>
        {general ? <ErrorState title="Nothing was changed" error={general} /> : null}
        {reasonFirst ? null : fields?.(problems)}
        <ReasonField value={reason} onChange={setReason} error={problems.reason} autoFocus={reasonFirst || !fields} />
        {reasonFirst ? fields?.(problems) : null}
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={change.isPending}>
            {danger ? "Keep it" : "Cancel"}
          </Button>
          <Button type="submit" variant={danger ? "danger" : "primary"} isPending={change.isPending}>
            {submitLabel}
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}

function problemsOf(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Partial<Record<Field, string>> {
  const found = issuesByField(issues);
  const problems: Partial<Record<Field, string>> = {};
  for (const key of ["reason", "expiresAt", "cohortId", "courseId", "userId", "effect"] as const) {
    if (found[key]) problems[key] = found[key];
  }
  return problems;
}

function Who({ enrolment }: { enrolment: Enrolment }) {
  return (
    <p>
      <strong>{enrolment.learner.displayName}</strong> in <strong>{enrolment.course.title}</strong>
      {enrolment.cohort ? `, ${enrolment.cohort.name}` : ""} · {statusWords[enrolment.status]}
      {enrolment.expiresAt ? (
        <>
          {" "}
          until <DateText value={enrolment.expiresAt} />
        </>
      ) : null}
    </p>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Row actions
// ---------------------------------------------------------------------------------------------------------

export function EnrolmentDialogs({
  dialog,
  courses,
  onClose,
  onDone,
}: {
  dialog: Exclude<EnrolmentDialog, { kind: "trace" }>;
  courses: readonly CourseOption[];
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  switch (dialog.kind) {
    case "extend":
      return <ExtendDialog enrolment={dialog.enrolment} onClose={onClose} onDone={onDone} />;
    case "transfer":
      return <TransferDialog enrolment={dialog.enrolment} onClose={onClose} onDone={onDone} />;
    case "reassign":
      return <ReassignDialog enrolment={dialog.enrolment} courses={courses} onClose={onClose} onDone={onDone} />;
    case "override":
      return <OverrideDialog enrolment={dialog.enrolment} onClose={onClose} onDone={onDone} />;
    case "deadline":
      return <DeadlineExtensionDialog enrolment={dialog.enrolment} onClose={onClose} onDone={onDone} />;
    default:
      return <StatusDialog action={dialog.kind} enrolment={dialog.enrolment} onClose={onClose} onDone={onDone} />;
  }
}

function ExtendDialog({
  enrolment,
  onClose,
  onDone,
}: {
  enrolment: Enrolment;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const client = useTRPCClient();
  const current = enrolment.expiresAt && Date.parse(enrolment.expiresAt) > Date.now() ? enrolment.expiresAt : null;
  const [day, setDay] = useState(
    current ? instantToDay(new Date(Date.parse(current) + 30 * 86_400_000).toISOString()) : dayFromToday(30),
  );
  const name = enrolment.learner.displayName;
  return (
    <ChangeForm
      title={`Extend ${name}’s access`}
      lead={<Who enrolment={enrolment} />}
      submitLabel="Extend access"
      fields={(problems) => (
        <TextField
          label="Access ends on"
          hint={enrolment.status === "expired" ? "The enrolment becomes active again." : "At the end of that day."}
          type="date"
          value={day}
          onChange={setDay}
          error={problems.expiresAt}
        />
      )}
      build={(reason) => {
        const parsed = extendEnrolmentInput.safeParse({
          enrolmentId: enrolment.id,
          expiresAt: dayToInstant(day, "23:59") ?? "",
          reason,
        });
        if (!parsed.success) {
          const problems = problemsOf(parsed.error.issues);
          if (problems.expiresAt) problems.expiresAt = "Enter the day access ends";
          return { problems };
        }
        return {
          send: async () => {
            const updated = await client.enrolments.extend.mutate(parsed.data);
            return `${name}’s access to ${enrolment.course.title} now ends on ${new Date(updated.expiresAt ?? parsed.data.expiresAt).toLocaleDateString()}.`;
          },
        };
      }}
      onClose={onClose}
      onDone={onDone}
    />
  );
}

function TransferDialog({
  enrolment,
  onClose,
  onDone,
}: {
  enrolment: Enrolment;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const cohorts = useQuery(trpc.cohorts.list.queryOptions({ courseId: enrolment.course.id }));
  const others = (cohorts.data ?? []).filter((cohort) => cohort.id !== enrolment.cohort?.id);
  const [cohortId, setCohortId] = useState("");
  const chosen = cohortId || others[0]?.id || "";
  const name = enrolment.learner.displayName;
  if (cohorts.isPending) {
    return (
      <ModalDialog title={`Move ${name} to another cohort`} onClose={onClose}>
        <LoadingState label="Loading cohorts…" />
      </ModalDialog>
    );
  }
  if (others.length === 0) {
    return (
      <ModalDialog title={`Move ${name} to another cohort`} onClose={onClose}>
        <EmptyState title={`${enrolment.course.title} has no other cohort`}>
          Add a cohort on the course’s page first.
        </EmptyState>
        <div className="dialog-actions">
          <Button onPress={onClose} autoFocus>
            Close
          </Button>
        </div>
      </ModalDialog>
    );
  }
  return (
    <ChangeForm
      title={`Move ${name} to another cohort`}
      lead={<Who enrolment={enrolment} />}
      submitLabel="Move to cohort"
      fields={(problems) => (
        <SelectField
          label="New cohort"
          value={chosen}
          onChange={setCohortId}
          error={problems.cohortId}
          options={others.map((cohort) => ({
            value: cohort.id,
            label: `${cohort.name} (${cohort.capacity === null ? `${cohort.enrolled} enrolled` : `${cohort.enrolled} of ${cohort.capacity} places taken`})`,
          }))}
        />
      )}
      build={(reason) => {
        const parsed = transferEnrolmentInput.safeParse({ enrolmentId: enrolment.id, cohortId: chosen, reason });
        if (!parsed.success) return { problems: problemsOf(parsed.error.issues) };
        const cohortName = others.find((cohort) => cohort.id === chosen)?.name ?? "the cohort";
        return {
          send: async () => {
            await client.enrolments.transfer.mutate(parsed.data);
            return `${name} is now in ${cohortName} of ${enrolment.course.title}.`;
          },
        };
      }}
      onClose={onClose}
      onDone={onDone}
    />
  );
}

function ReassignDialog({
  enrolment,
  courses,
  onClose,
  onDone,
}: {
  enrolment: Enrolment;
  courses: readonly CourseOption[];
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const choices = courses.filter((course) => course.id !== enrolment.course.id && course.status !== "archived");
  const [courseId, setCourseId] = useState(choices[0]?.id ?? "");
  const [cohortId, setCohortId] = useState("");
  const cohorts = useQuery({ ...trpc.cohorts.list.queryOptions({ courseId }), enabled: Boolean(courseId) });
  const name = enrolment.learner.displayName;
  return (
    <ChangeForm
      title={`Move ${name} to another course`}
      lead={
        <>
          <Who enrolment={enrolment} />
          <p className="field-hint">
            This enrolment is cancelled and kept as history; a new one, from the same source and with the same end of
            access, starts in the other course.
          </p>
        </>
      }
      submitLabel="Move to course"
      fields={(problems) => (
        <>
          <SelectField
            label="New course"
            value={courseId}
            onChange={(value) => {
              setCourseId(value);
              setCohortId("");
            }}
            error={problems.courseId}
            options={choices.map((course) => ({ value: course.id, label: course.title }))}
          />
          {cohorts.data && cohorts.data.length > 0 ? (
            <SelectField
              label="Cohort"
              value={cohortId}
              onChange={setCohortId}
              error={problems.cohortId}
              options={[
                { value: "", label: "No cohort: at their own pace" },
                ...cohorts.data.map((cohort) => ({ value: cohort.id, label: cohort.name })),
              ]}
            />
          ) : null}
        </>
      )}
      build={(reason) => {
        const parsed = reassignEnrolmentInput.safeParse({
          enrolmentId: enrolment.id,
          courseId,
          cohortId: cohortId || null,
          reason,
        });
        if (!parsed.success) {
          const problems = problemsOf(parsed.error.issues);
          if (problems.courseId) problems.courseId = "Choose the course to move them to";
          return { problems };
        }
        const title = choices.find((course) => course.id === courseId)?.title ?? "the course";
        return {
          send: async () => {
            await client.enrolments.reassign.mutate(parsed.data);
            return `${name} was moved from ${enrolment.course.title} to ${title}.`;
          },
        };
      }}
      onClose={onClose}
      onDone={onDone}
    />
  );
}

const statusChange = {
  suspend: {
    title: (name: string) => `Suspend ${name}’s enrolment`,
    lead: "They cannot open the course until it is reinstated. Their progress is kept.",
    submit: "Suspend enrolment",
    done: (name: string, course: string) =>
      `${name}’s enrolment in ${course} is suspended. Reinstate it to give access back.`,
  },
  reinstate: {
    title: (name: string) => `Reinstate ${name}’s enrolment`,
    lead: "They can open the course again, until its end of access.",
    submit: "Reinstate enrolment",
    done: (name: string, course: string) => `${name}’s enrolment in ${course} is active again.`,
  },
  cancel: {
    title: (name: string) => `Cancel ${name}’s enrolment?`,
    lead: "They lose access to the course. The enrolment stays in the history; enrol them again to give access back.",
    submit: "Cancel enrolment",
    done: (name: string, course: string) => `${name}’s enrolment in ${course} is cancelled.`,
  },
} as const;

function StatusDialog({
  action,
  enrolment,
  onClose,
  onDone,
}: {
  action: "suspend" | "reinstate" | "cancel";
  enrolment: Enrolment;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const client = useTRPCClient();
  const words = statusChange[action];
  const name = enrolment.learner.displayName;
  return (
    <ChangeForm
      title={words.title(name)}
      lead={
        <>
          <Who enrolment={enrolment} />
          <p className="field-hint">{words.lead}</p>
        </>
      }
      submitLabel={words.submit}
      danger={action === "cancel"}
      build={(reason) => {
        const parsed = changeEnrolmentStatusInput.safeParse({ enrolmentId: enrolment.id, reason });
        if (!parsed.success) return { problems: problemsOf(parsed.error.issues) };
        return {
          send: async () => {
            await client.enrolments[action].mutate(parsed.data);
            return words.done(name, enrolment.course.title);
          },
        };
      }}
      onClose={onClose}
      onDone={onDone}
    />
  );
}

function OverrideDialog({
  enrolment,
  onClose,
  onDone,
}: {
  enrolment: Enrolment;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const client = useTRPCClient();
  const [effect, setEffect] = useState<"allow" | "deny">("allow");
  const [day, setDay] = useState(dayFromToday(7));
  const effectId = useId();
  const name = enrolment.learner.displayName;
  return (
    <ChangeForm
      title={`Override ${name}’s access`}
      lead={
        <p>
          Whatever the enrolment says, <strong>{name}</strong> is let into, or kept out of,{" "}
          <strong>{enrolment.course.title}</strong> until the day you choose.
        </p>
      }
      submitLabel="Create override"
      fields={(problems) => (
        <>
          <fieldset className="choice-group" aria-describedby={problems.effect ? `${effectId}-error` : undefined}>
            <legend>Effect</legend>
            <label className="radio-field">
              <input type="radio" name={effectId} checked={effect === "allow"} onChange={() => setEffect("allow")} />
              Allow access
            </label>
            <label className="radio-field">
              <input type="radio" name={effectId} checked={effect === "deny"} onChange={() => setEffect("deny")} />
              Deny access
            </label>
          </fieldset>
          <TextField
            label="Until"
            hint="The override ends at the end of that day."
            type="date"
            value={day}
            onChange={setDay}
            error={problems.expiresAt}
          />
        </>
      )}
      build={(reason) => {
        const parsed = createOverrideInput.safeParse({
          userId: enrolment.userId,
          courseId: enrolment.course.id,
          effect,
          reason,
          expiresAt: dayToInstant(day, "23:59") ?? "",
        });
        if (!parsed.success) {
          const problems = problemsOf(parsed.error.issues);
          if (problems.expiresAt) problems.expiresAt = "Enter the day the override ends";
          return { problems };
        }
        return {
          send: async () => {
            await client.access.createOverride.mutate(parsed.data);
            return `${name} is ${effect === "allow" ? "allowed into" : "kept out of"} ${enrolment.course.title} until ${new Date(parsed.data.expiresAt).toLocaleDateString()}.`;
          },
        };
      }}
      onClose={onClose}
      onDone={onDone}
    />
  );
}

/** One learner gets a later deadline than their cohort's, for a module or an assignment. */
function DeadlineExtensionDialog({
  enrolment,
  onClose,
  onDone,
}: {
  enrolment: Enrolment;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const cohorts = useQuery(trpc.cohorts.list.queryOptions({ courseId: enrolment.course.id }));
  const deadlines = cohorts.data?.find((cohort) => cohort.id === enrolment.cohort?.id)?.deadlines ?? [];
  const [deadlineId, setDeadlineId] = useState("");
  const chosen = deadlines.find((deadline) => deadline.id === deadlineId) ?? deadlines[0];
  const [due, setDue] = useState("");
  const name = enrolment.learner.displayName;
  const title = `Give ${name} more time`;
  if (cohorts.isPending) {
    return (
      <ModalDialog title={title} onClose={onClose}>
        <LoadingState label="Loading the cohort’s deadlines…" />
      </ModalDialog>
    );
  }
  if (!chosen) {
    return (
      <ModalDialog title={title} onClose={onClose}>
        <EmptyState title={`${enrolment.cohort?.name ?? "The cohort"} has no deadlines`}>
          Set one on the course’s page, under Cohorts.
        </EmptyState>
        <div className="dialog-actions">
          <Button onPress={onClose} autoFocus>
            Close
          </Button>
        </div>
      </ModalDialog>
    );
  }
  const dueValue = due || instantToLocal(new Date(Date.parse(chosen.dueAt) + 7 * 86_400_000).toISOString());
  return (
    <ChangeForm
      title={title}
      lead={<Who enrolment={enrolment} />}
      submitLabel="Extend deadline"
      fields={(problems) => (
        <>
          <SelectField
            label="Deadline"
            value={chosen.id}
            onChange={(value) => {
              setDeadlineId(value);
              setDue("");
            }}
            options={deadlines.map((deadline) => ({
              value: deadline.id,
              label: `${deadline.title}: due ${new Date(deadline.dueAt).toLocaleString()}`,
            }))}
          />
          <TextField
            label="New due date and time"
            type="datetime-local"
            value={dueValue}
            onChange={setDue}
            error={problems.expiresAt}
          />
        </>
      )}
      build={(reason) => {
        const parsed = extendDeadlineInput.safeParse({
          enrolmentId: enrolment.id,
          deadlineId: chosen.id,
          dueAt: localToInstant(dueValue) ?? "",
          reason,
        });
        if (!parsed.success) {
          const problems = problemsOf(parsed.error.issues);
          if (issuesByField(parsed.error.issues).dueAt) problems.expiresAt = "Enter the new day and time it is due";
          return { problems };
        }
        return {
          send: async () => {
            const answer = await client.cohorts.extendDeadline.mutate(parsed.data);
            return `${name} now has until ${new Date(answer.dueAt).toLocaleString()} for “${chosen.title}”.`;
          },
        };
      }}
      onClose={onClose}
      onDone={onDone}
    />
  );
}

// ---------------------------------------------------------------------------------------------------------
// Grant
// ---------------------------------------------------------------------------------------------------------

interface LearnerChoice {
  userId: string;
  displayName: string;
  email: string;
}

export function GrantDialog({
  courses,
  initialCourseId,
  onClose,
  onDone,
}: {
  courses: readonly CourseOption[];
  initialCourseId: string;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const open = courses.filter((course) => course.status !== "archived");
  const [search, setSearch] = useState("");
  const [asked, setAsked] = useState("");
  const [learner, setLearner] = useState<LearnerChoice | null>(null);
  const [courseId, setCourseId] = useState(
    open.some((course) => course.id === initialCourseId) ? initialCourseId : (open[0]?.id ?? ""),
  );
  const [cohortId, setCohortId] = useState("");
  const [ends, setEnds] = useState("");
  const people = useQuery({
    ...trpc.people.list.queryOptions({ search: asked, limit: 10 }),
    enabled: asked.length > 0,
  });
  const cohorts = useQuery({ ...trpc.cohorts.list.queryOptions({ courseId }), enabled: Boolean(courseId) });
  const learners: LearnerChoice[] = (people.data?.people ?? [])
    .filter((person) => person.memberships.some((membership) => membership.role === "learner"))
    .map((person) => ({ userId: person.userId, displayName: person.displayName, email: person.email }));
  const searchId = useId();
  const groupId = useId();

  return (
    <ChangeForm
      title="Grant an enrolment"
      lead={<p className="field-hint">Enrols a learner of your institution at once, without payment.</p>}
      submitLabel="Grant enrolment"
      fields={(problems) => (
        <>
          <div className="learner-search">
            <TextField
              id={searchId}
              label="Find the learner"
              hint="The start of their name or email address."
              value={search}
              onChange={setSearch}
              autoComplete="off"
              autoFocus
              onKeyDown={(event) => {
                if (event.key === "Enter") {
                  event.preventDefault();
                  setAsked(search.trim());
                  setLearner(null);
                }
              }}
            />
            <Button
              onPress={() => {
                setAsked(search.trim());
                setLearner(null);
              }}
            >
              Find
            </Button>
          </div>
          {asked ? (
            <fieldset
              className="choice-group learner-choices"
              aria-describedby={problems.userId ? `${groupId}-error` : undefined}
            >
              <legend>Learner</legend>
              {problems.userId ? (
                <p id={`${groupId}-error`} className="field-error">
                  <span className="visually-hidden">Error: </span>
                  {problems.userId}
                </p>
              ) : null}
              {people.isPending ? (
                <LoadingState label="Finding learners…" />
              ) : people.isError ? (
                <ErrorState title="Learners could not be found" error={people.error} />
              ) : learners.length === 0 ? (
                <p className="meta">No learner’s name or email starts with “{asked}”.</p>
              ) : (
                learners.map((person) => (
                  <label key={person.userId} className="radio-field">
                    <input
                      type="radio"
                      name={groupId}
                      checked={learner?.userId === person.userId}
                      onChange={() => setLearner(person)}
                      aria-invalid={problems.userId && !learner ? true : undefined}
                    />
                    <span>
                      {person.displayName} <span className="meta">{person.email}</span>
                    </span>
                  </label>
                ))
              )}
            </fieldset>
          ) : problems.userId ? (
            <p className="field-error">
              <span className="visually-hidden">Error: </span>
              {problems.userId}
            </p>
          ) : null}
          <SelectField
            label="Course"
            value={courseId}
            onChange={(value) => {
              setCourseId(value);
              setCohortId("");
            }}
            error={problems.courseId}
            options={open.map((course) => ({
              value: course.id,
              label: course.status === "published" ? course.title : `${course.title} (${course.status})`,
            }))}
          />
          {cohorts.data && cohorts.data.length > 0 ? (
            <SelectField
              label="Cohort"
              value={cohortId}
              onChange={setCohortId}
              error={problems.cohortId}
              options={[
                { value: "", label: "No cohort: at their own pace" },
                ...cohorts.data.map((cohort) => ({
                  value: cohort.id,
                  label: `${cohort.name}${cohort.capacity === null ? "" : ` (${cohort.enrolled} of ${cohort.capacity} places taken)`}`,
                })),
              ]}
            />
          ) : null}
          <TextField
            label="Access ends on (optional)"
            hint="Empty: the course’s days of access, or no end."
            type="date"
            value={ends}
            onChange={setEnds}
            error={problems.expiresAt}
          />
        </>
      )}
      build={(reason) => {
        const parsed = grantEnrolmentInput.safeParse({
          userId: learner?.userId ?? "",
          courseId,
          cohortId: cohortId || null,
          expiresAt: ends ? (dayToInstant(ends, "23:59") ?? "") : null,
          reason,
        });
        if (!parsed.success) {
          const problems = problemsOf(parsed.error.issues);
          if (problems.userId) problems.userId = "Find the learner, then choose them";
          if (problems.courseId) problems.courseId = "Choose a course";
          if (problems.expiresAt) problems.expiresAt = "Enter a day, or leave it empty";
          return { problems };
        }
        const title = open.find((course) => course.id === courseId)?.title ?? "the course";
        const who = learner?.displayName ?? "The learner";
        return {
          send: async () => {
            await client.enrolments.grant.mutate(parsed.data);
            return `${who} is enrolled in ${title}.`;
          },
        };
      }}
      onClose={onClose}
      onDone={onDone}
    />
  );
}
