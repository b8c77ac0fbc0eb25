import type { PersonInInstitution } from "@learnops/contracts/administration";
import type { Role } from "@learnops/contracts/auth";
import { actAsInput } from "@learnops/contracts/me";
import { apiErrorCode, apiFieldIssues } from "@learnops/ui/api-errors";
import { useTRPCClient } from "@learnops/ui/api-provider";
import { Button, ErrorState } from "@learnops/ui/components";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { PeopleDialog, PeopleSelectField, PeopleTextField, useFocusOnRefusal } from "./people-fields.tsx";

/**
 * Where a person of this role works in LearnOps: acting as them lands there, so support sees what they see.
 * The apps' paths are where the API serves them (apps/api/src/web-apps.ts).
 */
export function appPathFor(role: Role | undefined): string {
  switch (role) {
    case "learner":
    case undefined:
      return "/learn/";
    case "instructor":
      return "/teach/";
    default:
      return "/admin/";
  }
}

const durations = [
  { id: "15", label: "15 minutes" },
  { id: "30", label: "30 minutes" },
  { id: "60", label: "1 hour (the longest allowed)" },
];

/**
 * "Act as": support agents and platform admins see LearnOps as this person does, for a stated reason and a
 * short time, both recorded in the audit trail. On success the session is the person's, and the agent is taken
 * to the app that person uses.
 */
export function ActAsDialog({ person }: { person: PersonInInstitution }) {
  return (
    <PeopleDialog
      trigger={
        <Button className="button-small" aria-label={`Act as ${person.displayName}`}>
          Act as
        </Button>
      }
      title={`Act as ${person.displayName}`}
    >
      {(close) => <ActAsForm person={person} onCancel={close} />}
    </PeopleDialog>
  );
}

function ActAsForm({ person, onCancel }: { person: PersonInInstitution; onCancel: () => void }) {
  const client = useTRPCClient();
  const [reason, setReason] = useState("");
  const [minutes, setMinutes] = useState("30");
  const [problems, setProblems] = useState<{ reason?: string; minutes?: string }>({});
  const [leaving, setLeaving] = useState(false);
  const { formRef, refused } = useFocusOnRefusal();
  const actAs = useMutation({
    mutationFn: (input: { userId: string; reason: string; minutes: number }) => client.support.actAs.mutate(input),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (actAs.isPending || leaving) return;
    const parsed = actAsInput.safeParse({ userId: person.userId, reason, minutes: Number(minutes) });
    if (!parsed.success) {
      const found: { reason?: string; minutes?: string } = {};
      for (const issue of parsed.error.issues) {
        if (issue.path[0] === "reason") found.reason ??= issue.message;
        if (issue.path[0] === "minutes") found.minutes ??= issue.message;
      }
      setProblems(found);
      refused();
      return;
    }
    setProblems({});
    actAs.mutate(parsed.data, {
      onSuccess: (view) => {
        // A full load of the app the person uses: nothing loaded for the agent is shown, or asked for again,
        // as the person (whose role may not read it). Until it opens, the button stays busy.
        setLeaving(true);
        window.location.assign(appPathFor(view.activeMembership?.role));
      },
      onError: (error) => {
        const issue = apiFieldIssues(error).find((candidate) => candidate.path === "reason");
        if (issue) {
          setProblems({ reason: issue.message });
          refused();
        }
      },
    });
  }

  const refusal =
    actAs.isError && !problems.reason ? (
      <ErrorState
        title={
          apiErrorCode(actAs.error) === "NOT_FOUND"
            ? `${person.displayName} cannot be acted as now`
            : `You are not acting as ${person.displayName}`
        }
        error={actAs.error}
      />
    ) : null;
  return (
    <form ref={formRef} className="form people-form" noValidate onSubmit={submit}>
      <p className="people-dialog-lead">
        You will see LearnOps as {person.displayName} does and act on their behalf until the time runs out or you stop.
        Your reason and everything you do meanwhile are recorded in the audit trail with your name.
      </p>
      {refusal}
      <PeopleTextField
        label="Reason"
        multiline
        value={reason}
        onChange={(value) => {
          setReason(value);
          setProblems({});
        }}
        error={problems.reason}
        hint="At least 10 characters, such as the ticket you are working on."
        autoFocus
      />
      <PeopleSelectField
        label="For how long"
        options={durations}
        value={minutes}
        onChange={setMinutes}
        error={problems.minutes}
      />
      <div className="dialog-actions">
        <Button onPress={onCancel} isDisabled={leaving}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" isPending={actAs.isPending || leaving}>
          Act as {person.displayName}
        </Button>
      </div>
    </form>
  );
}
