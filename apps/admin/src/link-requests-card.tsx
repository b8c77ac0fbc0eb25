import type { AppRouter } from "@learnops/api/root";
import { rejectLinkInput } from "@learnops/contracts/identity-providers";
import { apiFieldIssues } from "@learnops/ui/api-errors";
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
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useId, useRef, useState } from "react";
import { ReasonField } from "./catalogue-fields.tsx";
import { DateTimeText, ModalDialog, plural } from "./settings-controls.tsx";

type LinkRequest = inferOutput<TRPCOptionsProxy<AppRouter>["identityProviders"]["linkRequests"]>[number];
type Deciding = { request: LinkRequest; decision: "confirm" | "reject" };

/**
 * Sign-ins refused because an account with the asserted address already exists and the identity provider
 * is not trusted to prove it: an admin confirms the account is the same person (linking it) or rejects the
 * request with a reason. Both are audited.
 */
export function LinkRequestsCard() {
  const trpc = useTRPC();
  const requests = useQuery(trpc.identityProviders.linkRequests.queryOptions());
  const [deciding, setDeciding] = useState<Deciding | null>(null);
  const [outcome, setOutcome] = useState("");
  const outcomeRef = useRef<HTMLDivElement>(null);

  const title = "Account link requests";
  const description =
    "People whose single sign-on was refused because an account with their address already exists. Confirm only when you know the account is theirs.";
  if (requests.isPending) return <LoadingState label="Loading account link requests…" />;
  if (requests.isError)
    return (
      <Card title={title} description={description}>
        <ErrorState
          title="The link requests could not be loaded"
          error={requests.error}
          onRetry={() => void requests.refetch()}
        />
      </Card>
    );

  const columns: DataTableColumn<LinkRequest>[] = [
    { key: "email", header: "Address asserted", cell: (request) => request.email },
    { key: "nameId", header: "Identity provider account (NameID)", cell: (request) => <code>{request.nameId}</code> },
    { key: "identityProvider", header: "Identity provider", cell: (request) => request.identityProviderName },
    { key: "requestedAt", header: "Refused sign-in", cell: (request) => <DateTimeText value={request.requestedAt} /> },
    {
      key: "actions",
      header: "Actions",
      cell: (request) => (
        <div className="row-actions">
          <Button onPress={() => setDeciding({ request, decision: "confirm" })}>
            Confirm<span className="visually-hidden"> the link for {request.email}</span>
          </Button>
          <Button onPress={() => setDeciding({ request, decision: "reject" })}>
            Reject<span className="visually-hidden"> the link for {request.email}</span>
          </Button>
        </div>
      ),
    },
  ];

  return (
    <Card title={title} description={description}>
      <div ref={outcomeRef} tabIndex={-1} className="status-message-holder">
        <StatusMessage tone="positive">{outcome}</StatusMessage>
      </div>
      {requests.data.length === 0 ? (
        <EmptyState title="No link request waiting">
          When a sign-in is refused because the address already has an account, it waits here for you.
        </EmptyState>
      ) : (
        <DataTable
          caption={`${plural(requests.data.length, "request", "requests")} waiting, newest first`}
          columns={columns}
          rows={requests.data}
          rowKey={(request) => request.id}
        />
      )}
      {deciding ? (
        <DecisionDialog
          deciding={deciding}
          onClose={() => setDeciding(null)}
          onDone={(message) => {
            setDeciding(null);
            setOutcome(message);
          }}
          returnFocusTo={() => outcomeRef.current}
        />
      ) : null}
    </Card>
  );
}

function DecisionDialog({
  deciding,
  onClose,
  onDone,
  returnFocusTo,
}: {
  deciding: Deciding;
  onClose: () => void;
  onDone: (message: string) => void;
  returnFocusTo: () => HTMLElement | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const reasonId = useId();
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const { request, decision } = deciding;
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.identityProviders.linkRequests.queryKey() });
  const confirm = useMutation(
    trpc.identityProviders.confirmLink.mutationOptions({
      onSuccess: async () => {
        await refresh();
        onDone(`Linked ${request.email} to ${request.identityProviderName}: their next single sign-on works.`);
      },
    }),
  );
  const reject = useMutation(
    trpc.identityProviders.rejectLink.mutationOptions({
      onSuccess: async () => {
        await refresh();
        onDone(`Rejected the link for ${request.email}.`);
      },
      onError: (error) => {
        const issue = apiFieldIssues(error).find((candidate) => candidate.path === "reason");
        if (issue) {
          setProblem(issue.message);
          document.getElementById(reasonId)?.focus();
        }
      },
    }),
  );
  const pending = confirm.isPending || reject.isPending;
  const failure = (confirm.error ?? reject.error) && !problem ? (confirm.error ?? reject.error) : null;

  function submitRejection(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const parsed = rejectLinkInput.shape.reason.safeParse(reason);
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? "Give a reason");
      document.getElementById(reasonId)?.focus();
      return;
    }
    setProblem(null);
    reject.mutate({ linkRequestId: request.id, reason: parsed.data });
  }

  return (
    <ModalDialog
      role={decision === "confirm" ? "alertdialog" : "dialog"}
      title={decision === "confirm" ? `Link ${request.email}?` : `Reject the link for ${request.email}?`}
      onClose={onClose}
      busy={pending}
      returnFocusTo={returnFocusTo}
    >
      {decision === "confirm" ? (
        <>
          <p>
            The account {request.email} will sign in with {request.identityProviderName} as{" "}
            <code>{request.nameId}</code>, in this institution only. Confirm only if you know they are the same person.
          </p>
          {failure ? <ErrorState title="The link was not made" error={failure} /> : null}
          <div className="dialog-actions">
            <Button onPress={onClose} isDisabled={pending} autoFocus>
              Cancel
            </Button>
            <Button
              variant="primary"
              isPending={confirm.isPending}
              onPress={() => confirm.mutate({ linkRequestId: request.id })}
            >
              Confirm link
            </Button>
          </div>
        </>
      ) : (
        <form className="form" noValidate onSubmit={submitRejection}>
          <p>Their single sign-on stays refused. They can still sign in with a password if they have one.</p>
          <ReasonField id={reasonId} value={reason} onChange={setReason} error={problem} autoFocus />
          {failure ? <ErrorState title="The request was not rejected" error={failure} /> : null}
          <div className="dialog-actions">
            <Button onPress={onClose} isDisabled={pending}>
              Cancel
            </Button>
            <Button type="submit" variant="danger" isPending={reject.isPending}>
              Reject link
            </Button>
          </div>
        </form>
      )}
    </ModalDialog>
  );
}
