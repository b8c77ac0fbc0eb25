import type { AppRouter } from "@learnops/api/root";
import { clientGroupName } from "@learnops/contracts/administration";
import type { SessionView } from "@learnops/contracts/me";
import { apiErrorCode, apiFieldIssues, describeApiError } from "@learnops/ui/api-errors";
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
import { roleLabel } from "@learnops/ui/session";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useId, useRef, useState } from "react";
import { DateText, ModalDialog, plural, TextField } from "./settings-controls.tsx";

type ClientGroup = inferOutput<TRPCOptionsProxy<AppRouter>["clientGroups"]["list"]>[number];

/**
 * What is wrong with a name, in the words of the schema the API checks it with; a name the API refused as
 * taken (CONFLICT) belongs to the name field too.
 */
function nameProblem(name: string): string | null {
  const parsed = clientGroupName.safeParse(name);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? "Enter a name");
}

function refusalOfName(error: unknown): string {
  const issue = apiFieldIssues(error).find((candidate) => candidate.path === "name");
  return issue?.message ?? describeApiError(error).message;
}

/** Whether a refusal is about the name (shown at the field) or about something else (shown above the form). */
function isNameRefusal(error: unknown): boolean {
  return apiErrorCode(error) === "CONFLICT" || apiFieldIssues(error).some((issue) => issue.path === "name");
}

export default function ClientGroupsView({ session }: { session: SessionView }) {
  const trpc = useTRPC();
  const groups = useQuery(trpc.clientGroups.list.queryOptions());
  const canManage = session.permissions.includes("client_groups.manage");
  const [outcome, setOutcome] = useState("");
  const outcomeRef = useRef<HTMLDivElement>(null);
  const [renaming, setRenaming] = useState<ClientGroup | null>(null);
  const [removing, setRemoving] = useState<ClientGroup | null>(null);
  const membership = session.activeMembership;

  const columns: DataTableColumn<ClientGroup>[] = [
    { key: "name", header: "Name", cell: (group) => group.name },
    { key: "created", header: "Added", cell: (group) => <DateText value={group.createdAt} /> },
  ];
  if (canManage) {
    columns.push({
      key: "actions",
      header: "Actions",
      cell: (group) => (
        <div className="row-actions">
          <Button onPress={() => setRenaming(group)}>
            Rename<span className="visually-hidden"> {group.name}</span>
          </Button>
          <Button onPress={() => setRemoving(group)}>
            Remove<span className="visually-hidden"> {group.name}</span>
          </Button>
        </div>
      ),
    });
  }

  return (
    <>
      {!canManage && membership ? (
        <StatusMessage>
          As {roleLabel(membership.role).toLowerCase()} you can see the client groups of{" "}
          {membership.institution.displayName}; adding, renaming and removing them is for course admins.
        </StatusMessage>
      ) : null}
      {canManage ? <AddClientGroupCard onAdded={(name) => setOutcome(`Added the client group “${name}”.`)} /> : null}
      <div ref={outcomeRef} tabIndex={-1} className="status-message-holder">
        <StatusMessage tone="positive">{outcome}</StatusMessage>
      </div>
      <Card title="Client groups">
        {groups.isPending ? (
          <LoadingState label="Loading client groups…" />
        ) : groups.isError ? (
          <ErrorState
            title="Client groups could not be loaded"
            error={groups.error}
            onRetry={() => void groups.refetch()}
          />
        ) : groups.data.length === 0 ? (
          <EmptyState title="No client groups yet">
            {canManage
              ? "Add one above for each organisation whose people you train."
              : "A course admin adds one for each organisation whose people you train."}
          </EmptyState>
        ) : (
          <DataTable
            caption={`${plural(groups.data.length, "client group", "client groups")}, by name`}
            columns={columns}
            rows={groups.data}
            rowKey={(group) => group.id}
          />
        )}
      </Card>
      {renaming ? (
        <RenameDialog
          group={renaming}
          onClose={() => setRenaming(null)}
          onRenamed={(name) => {
            setOutcome(`Renamed “${renaming.name}” to “${name}”.`);
            setRenaming(null);
          }}
        />
      ) : null}
      {removing ? (
        <RemoveDialog
          group={removing}
          onClose={() => setRemoving(null)}
          onRemoved={() => {
            setOutcome(`Removed the client group “${removing.name}”.`);
            setRemoving(null);
          }}
          // The row and its buttons are gone: the outcome is where the reader continues.
          returnFocusTo={() => outcomeRef.current}
        />
      ) : null}
    </>
  );
}

function AddClientGroupCard({ onAdded }: { onAdded: (name: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const inputId = useId();
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const create = useMutation(
    trpc.clientGroups.create.mutationOptions({
      onSuccess: async (created) => {
        setName("");
        setProblem(null);
        onAdded(created.name);
        await queryClient.invalidateQueries({ queryKey: trpc.clientGroups.list.queryKey() });
      },
      onError: (error) => {
        if (isNameRefusal(error)) {
          setProblem(refusalOfName(error));
          document.getElementById(inputId)?.focus();
        }
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (create.isPending) return;
    const refused = nameProblem(name);
    setProblem(refused);
    if (refused) {
      document.getElementById(inputId)?.focus();
      return;
    }
    create.mutate({ name });
  }

  const otherFailure = create.isError && !isNameRefusal(create.error) ? create.error : null;
  return (
    <Card title="Add a client group">
      <form className="inline-form" noValidate onSubmit={submit}>
        <TextField
          id={inputId}
          label="Name"
          value={name}
          onChange={setName}
          error={problem}
          autoComplete="off"
          maxLength={200}
        />
        <Button type="submit" variant="primary" isPending={create.isPending}>
          Add client group
        </Button>
      </form>
      {otherFailure ? <ErrorState title="The client group was not added" error={otherFailure} /> : null}
    </Card>
  );
}

function RenameDialog({
  group,
  onClose,
  onRenamed,
}: {
  group: ClientGroup;
  onClose: () => void;
  onRenamed: (name: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const inputId = useId();
  const [name, setName] = useState(group.name);
  const [problem, setProblem] = useState<string | null>(null);
  const rename = useMutation(
    trpc.clientGroups.rename.mutationOptions({
      onSuccess: async (renamed) => {
        await queryClient.invalidateQueries({ queryKey: trpc.clientGroups.list.queryKey() });
        onRenamed(renamed.name);
      },
      onError: (error) => {
        if (isNameRefusal(error)) {
          setProblem(refusalOfName(error));
          document.getElementById(inputId)?.focus();
        }
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (rename.isPending) return;
    const refused = nameProblem(name);
    setProblem(refused);
    if (refused) {
      document.getElementById(inputId)?.focus();
      return;
    }
    if (name.trim() === group.name) {
      onClose();
      return;
    }
    rename.mutate({ clientGroupId: group.id, name });
  }

  const otherFailure = rename.isError && !isNameRefusal(rename.error) ? rename.error : null;
  return (
    <ModalDialog title={`Rename “${group.name}”`} onClose={onClose} busy={rename.isPending}>
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={inputId}
          label="New name"
          value={name}
          onChange={setName}
          error={problem}
          autoComplete="off"
          maxLength={200}
          autoFocus
        />
        {otherFailure ? <ErrorState title="The client group was not renamed" error={otherFailure} /> : null}
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={rename.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isPending={rename.isPending}>
            Rename
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}

function RemoveDialog({
  group,
  onClose,
  onRemoved,
  returnFocusTo,
}: {
  group: ClientGroup;
  onClose: () => void;
  onRemoved: () => void;
  returnFocusTo: () => HTMLElement | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.clientGroups.remove.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.clientGroups.list.queryKey() });
        onRemoved();
      },
    }),
  );
  return (
    <ModalDialog
      role="alertdialog"
      title={`Remove “${group.name}”?`}
      onClose={onClose}
      busy={remove.isPending}
      returnFocusTo={returnFocusTo}
    >
      <p>
        The group goes from the list and from the choices when adding people. A group that still has members cannot be
        removed: move or remove its people first.
      </p>
      {remove.isError ? <ErrorState title="The client group was not removed" error={remove.error} /> : null}
      <div className="dialog-actions">
        <Button onPress={onClose} isDisabled={remove.isPending} autoFocus>
          Cancel
        </Button>
        <Button
          variant="danger"
          isPending={remove.isPending}
          onPress={() => remove.mutate({ clientGroupId: group.id })}
        >
          Remove client group
        </Button>
      </div>
    </ModalDialog>
  );
}
