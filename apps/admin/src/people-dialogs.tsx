import { addMemberInput, type PersonInInstitution } from "@learnops/contracts/administration";
import { type Role, role as roleSchema } from "@learnops/contracts/auth";
import { apiErrorCode, apiFieldIssues, describeApiError } from "@learnops/ui/api-errors";
import { useTRPCClient } from "@learnops/ui/api-provider";
import { Button, ErrorState } from "@learnops/ui/components";
import { roleLabel } from "@learnops/ui/session";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { PeopleDialog, PeopleSelectField, PeopleTextField, useFocusOnRefusal } from "./people-fields.tsx";

type Membership = PersonInInstitution["memberships"][number];

/** How an action tells the page what happened: a message above the list, or what failed and why. */
export interface PeopleReport {
  done: (message: string) => void;
  failed: (title: string, error: unknown) => void;
}

export interface ClientGroupOption {
  id: string;
  label: string;
}

/** The roles an admin may give; platform admin only by a platform admin. */
function roleOptions(grantPlatformAdmin: boolean) {
  return roleSchema.options
    .filter((role) => grantPlatformAdmin || role !== "platform_admin")
    .map((role) => ({ id: role, label: roleLabel(role) }));
}

/** Learners may belong to a client group (their employer); a client manager must. */
function takesClientGroup(role: Role): boolean {
  return role === "learner" || role === "client_manager";
}

const noClientGroup = "none";

/** A role in running text: "learner", "client manager of Contoso Clinics". */
export function roleInWords(role: Role, clientGroupName: string | null | undefined): string {
  return `${roleLabel(role).toLowerCase()}${clientGroupName ? ` of ${clientGroupName}` : ""}`;
}

/** The first message for each field an API refusal named, by the field's name. */
function fieldIssuesOf(error: unknown): Record<string, string> {
  const found: Record<string, string> = {};
  for (const issue of apiFieldIssues(error)) {
    const field = issue.path.split(".")[0] ?? "";
    found[field] ??= issue.message;
  }
  return found;
}

/** A problem that belongs to no one field, shown at the top of a dialog's form. */
function FormProblem({ error, title }: { error: unknown; title: string }) {
  return <ErrorState title={title} error={error} />;
}

// ---------------------------------------------------------------------------------------------------------
// Add person
// ---------------------------------------------------------------------------------------------------------

type AddField = "email" | "displayName" | "role" | "clientGroupId";

export function AddPersonDialog({
  clientGroups,
  grantPlatformAdmin,
  institutionName,
  report,
}: {
  clientGroups: readonly ClientGroupOption[];
  grantPlatformAdmin: boolean;
  institutionName: string;
  report: PeopleReport;
}) {
  const [isOpen, setOpen] = useState(false);
  return (
    <PeopleDialog
      trigger={
        <Button variant="primary" className="people-add">
          Add person
        </Button>
      }
      title={`Add a person to ${institutionName}`}
      isOpen={isOpen}
      onOpenChange={setOpen}
    >
      {(close) => (
        <AddPersonForm
          clientGroups={clientGroups}
          grantPlatformAdmin={grantPlatformAdmin}
          onCancel={close}
          onAdded={(message) => {
            close();
            report.done(message);
          }}
        />
      )}
    </PeopleDialog>
  );
}

function AddPersonForm({
  clientGroups,
  grantPlatformAdmin,
  onCancel,
  onAdded,
}: {
  clientGroups: readonly ClientGroupOption[];
  grantPlatformAdmin: boolean;
  onCancel: () => void;
  onAdded: (message: string) => void;
}) {
  const client = useTRPCClient();
  const [email, setEmail] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [role, setRole] = useState<Role>("learner");
  const [clientGroupId, setClientGroupId] = useState<string>(noClientGroup);
  const [problems, setProblems] = useState<Partial<Record<AddField, string>>>({});
  const { formRef, refused } = useFocusOnRefusal();
  const edited = (field: AddField) => setProblems(({ [field]: _fixed, ...others }) => others);
  const add = useMutation({
    mutationFn: (input: Parameters<typeof client.people.add.mutate>[0]) => client.people.add.mutate(input),
  });
  const groupChoices = [
    ...(role === "client_manager" ? [] : [{ id: noClientGroup, label: "No client group" }]),
    ...clientGroups,
  ];

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (add.isPending) return;
    const group = takesClientGroup(role) && clientGroupId !== noClientGroup ? clientGroupId : undefined;
    const parsed = addMemberInput.safeParse({ email, displayName, role, clientGroupId: group });
    const found: Partial<Record<AddField, string>> = {};
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? "") as AddField;
        found[field] ??= field === "email" ? "Enter an email address such as name@example.org" : issue.message;
      }
    }
    if (role === "client_manager" && !group) found.clientGroupId = "Choose the client group this person manages";
    setProblems(found);
    if (!parsed.success || Object.keys(found).length > 0) {
      refused();
      return;
    }
    add.mutate(parsed.data, {
      onSuccess: (added) => {
        const name = parsed.data.displayName;
        const as = roleInWords(
          parsed.data.role,
          clientGroups.find((candidate) => candidate.id === parsed.data.clientGroupId)?.label,
        );
        onAdded(
          added.invitationSent
            ? `${name} was added as ${as}. We emailed ${parsed.data.email} a link to choose a password; it works for 7 days.`
            : `${name} was added as ${as}. They already had a LearnOps account, so they sign in as before.`,
        );
      },
      onError: (error) => {
        const fromApi = fieldIssuesOf(error) as Partial<Record<AddField, string>>;
        const code = apiErrorCode(error);
        if (code === "CONFLICT") fromApi.email = describeApiError(error).message;
        if (code === "NOT_FOUND") fromApi.clientGroupId = "That client group no longer exists; choose another";
        setProblems(fromApi);
        refused();
      },
    });
  }

  const unplaced =
    add.isError && Object.keys(problems).length === 0 ? (
      <FormProblem title="The person was not added" error={add.error} />
    ) : null;
  return (
    <form ref={formRef} className="form people-form" noValidate onSubmit={submit}>
      <p className="people-dialog-lead">Someone who has no password yet gets an email with a link to choose one.</p>
      {unplaced}
      <PeopleTextField
        label="Email address"
        type="email"
        autoComplete="off"
        value={email}
        onChange={(value) => {
          setEmail(value);
          edited("email");
        }}
        error={problems.email}
        autoFocus
      />
      <PeopleTextField
        label="Full name"
        autoComplete="off"
        value={displayName}
        onChange={(value) => {
          setDisplayName(value);
          edited("displayName");
        }}
        error={problems.displayName}
        hint="As it should appear to instructors and on certificates."
      />
      <PeopleSelectField
        label="Role"
        options={roleOptions(grantPlatformAdmin)}
        value={role}
        onChange={(next) => {
          setRole(next as Role);
          edited("role");
          if (next === "client_manager" && clientGroupId === noClientGroup) setClientGroupId(clientGroups[0]?.id ?? "");
        }}
        error={problems.role}
      />
      {takesClientGroup(role) ? (
        <PeopleSelectField
          label="Client group"
          options={groupChoices}
          value={clientGroupId || null}
          onChange={(value) => {
            setClientGroupId(value);
            edited("clientGroupId");
          }}
          error={problems.clientGroupId}
          hint={
            role === "client_manager"
              ? "A client manager sees the people of this group only."
              : "The organisation the learner is trained for, if any."
          }
        />
      ) : null}
      <div className="dialog-actions">
        <Button onPress={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" isPending={add.isPending}>
          Add person
        </Button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Change role
// ---------------------------------------------------------------------------------------------------------

export function ChangeRoleDialog({
  person,
  membership,
  clientGroups,
  grantPlatformAdmin,
  report,
}: {
  person: PersonInInstitution;
  membership: Membership;
  clientGroups: readonly ClientGroupOption[];
  grantPlatformAdmin: boolean;
  report: PeopleReport;
}) {
  const current = roleInWords(membership.role, membership.clientGroupName);
  return (
    <PeopleDialog
      trigger={
        <Button className="button-small" aria-label={`Change role of ${person.displayName}, ${current}`}>
          Change role
        </Button>
      }
      title={`Change ${person.displayName}’s role`}
    >
      {(close) => (
        <ChangeRoleForm
          person={person}
          membership={membership}
          current={current}
          clientGroups={clientGroups}
          grantPlatformAdmin={grantPlatformAdmin}
          onCancel={close}
          onChanged={(message) => {
            close();
            report.done(message);
          }}
        />
      )}
    </PeopleDialog>
  );
}

function ChangeRoleForm({
  person,
  membership,
  current,
  clientGroups,
  grantPlatformAdmin,
  onCancel,
  onChanged,
}: {
  person: PersonInInstitution;
  membership: Membership;
  current: string;
  clientGroups: readonly ClientGroupOption[];
  grantPlatformAdmin: boolean;
  onCancel: () => void;
  onChanged: (message: string) => void;
}) {
  const client = useTRPCClient();
  const [role, setRole] = useState<Role>(membership.role);
  const [clientGroupId, setClientGroupId] = useState<string>(membership.clientGroupId ?? noClientGroup);
  const [problems, setProblems] = useState<{ role?: string; clientGroupId?: string }>({});
  const { formRef, refused } = useFocusOnRefusal();
  const change = useMutation({
    mutationFn: (input: Parameters<typeof client.memberships.changeRole.mutate>[0]) =>
      client.memberships.changeRole.mutate(input),
  });
  const groupChoices = [
    ...(role === "client_manager" ? [] : [{ id: noClientGroup, label: "No client group" }]),
    ...clientGroups,
  ];

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (change.isPending) return;
    const group = clientGroupId === noClientGroup || !clientGroupId ? null : clientGroupId;
    if (role === "client_manager" && !group) {
      setProblems({ clientGroupId: "Choose the client group this person manages" });
      refused();
      return;
    }
    setProblems({});
    const next = { membershipId: membership.id, role, ...(takesClientGroup(role) ? { clientGroupId: group } : {}) };
    change.mutate(next, {
      onSuccess: () => {
        const groupName = takesClientGroup(role)
          ? clientGroups.find((candidate) => candidate.id === group)?.label
          : membership.clientGroupName;
        onChanged(`${person.displayName} is now ${roleInWords(role, groupName)} (was ${current}).`);
      },
      onError: (error) => {
        const fromApi = fieldIssuesOf(error);
        const found: { role?: string; clientGroupId?: string } = {};
        if (fromApi.role) found.role = fromApi.role;
        if (fromApi.clientGroupId) found.clientGroupId = fromApi.clientGroupId;
        if (apiErrorCode(error) === "CONFLICT") found.role = describeApiError(error).message;
        setProblems(found);
        refused();
      },
    });
  }

  return (
    <form ref={formRef} className="form people-form" noValidate onSubmit={submit}>
      <p className="people-dialog-lead">
        {person.displayName} is {current} now. A new role takes effect at their next request.
      </p>
      {change.isError && Object.keys(problems).length === 0 ? (
        <FormProblem title="The role was not changed" error={change.error} />
      ) : null}
      <PeopleSelectField
        label="New role"
        options={roleOptions(grantPlatformAdmin || membership.role === "platform_admin")}
        value={role}
        onChange={(next) => {
          setRole(next as Role);
          if (next === "client_manager" && clientGroupId === noClientGroup) setClientGroupId(clientGroups[0]?.id ?? "");
        }}
        error={problems.role}
      />
      {takesClientGroup(role) ? (
        <PeopleSelectField
          label="Client group"
          options={groupChoices}
          value={clientGroupId || null}
          onChange={(value) => {
            setClientGroupId(value);
            setProblems({});
          }}
          error={problems.clientGroupId}
        />
      ) : null}
      <div className="dialog-actions">
        <Button onPress={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" isPending={change.isPending}>
          Change role
        </Button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Confirmation
// ---------------------------------------------------------------------------------------------------------

/** An action that cannot simply be undone, behind a confirmation that says what it will do. */
export function ConfirmDialog({
  triggerLabel,
  triggerName,
  title,
  confirmLabel,
  failure,
  run,
  report,
  children,
}: {
  triggerLabel: string;
  /** Starts with the visible label, then says whom it is for. */
  triggerName: string;
  title: string;
  confirmLabel: string;
  failure: string;
  run: () => Promise<string>;
  report: PeopleReport;
  children: ReactNode;
}) {
  const action = useMutation({ mutationFn: run });
  return (
    <PeopleDialog
      trigger={
        <Button className="button-small" aria-label={triggerName}>
          {triggerLabel}
        </Button>
      }
      title={title}
      role="alertdialog"
      isBusy={action.isPending}
      onOpenChange={(isOpen) => {
        // Each time it opens, it starts without the last attempt's error.
        if (isOpen) action.reset();
      }}
    >
      {(close) => (
        <>
          <p>{children}</p>
          {action.isError ? <ErrorState title={failure} error={action.error} /> : null}
          <div className="dialog-actions">
            <Button autoFocus onPress={close}>
              Cancel
            </Button>
            <Button
              variant="danger"
              isPending={action.isPending}
              onPress={() => {
                if (action.isPending) return;
                action.mutate(undefined, {
                  onSuccess: (message) => {
                    close();
                    report.done(message);
                  },
                });
              }}
            >
              {confirmLabel}
            </Button>
          </div>
        </>
      )}
    </PeopleDialog>
  );
}
