import "./courses.css";
import "./single-sign-on.css";
import { apiFieldIssues, describeApiError } from "@learnops/ui/api-errors";
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
import { type FormEvent, useId, useRef, useState } from "react";
import { EditIdentityProviderDialog, type IdentityProvider } from "./identity-provider-edit.tsx";
import { LinkRequestsCard } from "./link-requests-card.tsx";
import { ServiceProviderKeysCard } from "./service-provider-keys-card.tsx";
import { DateText, ModalDialog, plural, TextField } from "./settings-controls.tsx";

export default function SingleSignOnView() {
  const trpc = useTRPC();
  const overview = useQuery(trpc.identityProviders.list.queryOptions());
  const [outcome, setOutcome] = useState("");
  const outcomeRef = useRef<HTMLDivElement>(null);
  const [removing, setRemoving] = useState<IdentityProvider | null>(null);
  const [editing, setEditing] = useState<IdentityProvider | null>(null);

  if (overview.isPending) return <LoadingState label="Loading single sign-on…" />;
  if (overview.isError)
    return (
      <ErrorState
        title="Single sign-on could not be loaded"
        error={overview.error}
        onRetry={() => void overview.refetch()}
      />
    );

  const { serviceProvider, identityProviders } = overview.data;
  const columns: DataTableColumn<IdentityProvider>[] = [
    { key: "name", header: "Name", cell: (idp) => idp.name },
    { key: "entity", header: "Entity id", cell: (idp) => <code>{idp.entityId}</code> },
    {
      key: "certificates",
      header: "Certificates",
      cell: (idp) => (
        <ul className="plain-list">
          {idp.certificates.map((certificate) => (
            <li key={`${certificate.subject}-${certificate.notAfter}`}>
              {certificate.subject}, until <DateText value={certificate.notAfter} />
            </li>
          ))}
        </ul>
      ),
    },
    {
      key: "actions",
      header: "Actions",
      cell: (idp) => (
        <div className="row-actions">
          <Button onPress={() => setEditing(idp)}>
            Edit<span className="visually-hidden"> {idp.name}</span>
          </Button>
          <Button onPress={() => setRemoving(idp)}>
            Remove<span className="visually-hidden"> {idp.name}</span>
          </Button>
        </div>
      ),
    },
  ];

  return (
    <>
      <Card title="What your identity provider needs">
        <dl className="definition-list">
          <dt>Entity id (audience)</dt>
          <dd>
            <code>{serviceProvider.entityId}</code>
          </dd>
          <dt>Assertion consumer service (HTTP-POST)</dt>
          <dd>
            <code>{serviceProvider.acsUrl}</code>
          </dd>
        </dl>
        <p>
          <a href={serviceProvider.metadataUrl} download>
            Download the service-provider metadata
          </a>{" "}
          (with the signing and encryption certificates below)
        </p>
      </Card>
      <ServiceProviderKeysCard />
      <AddIdentityProviderCard onAdded={(name) => setOutcome(`Added the identity provider “${name}”.`)} />
      <div ref={outcomeRef} tabIndex={-1} className="status-message-holder">
        <StatusMessage tone="positive">{outcome}</StatusMessage>
      </div>
      <Card title="Identity providers">
        {identityProviders.length === 0 ? (
          <EmptyState title="No identity provider yet">
            Add one above with its metadata: your people then see “Sign in with …” on your sign-in page.
          </EmptyState>
        ) : (
          <DataTable
            caption={`${plural(identityProviders.length, "identity provider", "identity providers")}, by name`}
            columns={columns}
            rows={identityProviders}
            rowKey={(idp) => idp.id}
          />
        )}
      </Card>
      <LinkRequestsCard />
      {editing ? (
        <EditIdentityProviderDialog
          identityProvider={editing}
          onClose={() => setEditing(null)}
          onSaved={(message) => {
            setOutcome(message);
            setEditing(null);
          }}
        />
      ) : null}
      {removing ? (
        <RemoveDialog
          identityProvider={removing}
          onClose={() => setRemoving(null)}
          onRemoved={() => {
            setOutcome(`Removed the identity provider “${removing.name}”.`);
            setRemoving(null);
          }}
          returnFocusTo={() => outcomeRef.current}
        />
      ) : null}
    </>
  );
}

function AddIdentityProviderCard({ onAdded }: { onAdded: (name: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const nameId = useId();
  const metadataId = useId();
  const [name, setName] = useState("");
  const [metadataXml, setMetadataXml] = useState("");
  const [problems, setProblems] = useState<{ name?: string; metadataXml?: string }>({});
  const create = useMutation(
    trpc.identityProviders.create.mutationOptions({
      onSuccess: async (created) => {
        setName("");
        setMetadataXml("");
        setProblems({});
        onAdded(created.name);
        await queryClient.invalidateQueries({ queryKey: trpc.identityProviders.list.queryKey() });
      },
      onError: (error) => {
        const next: { name?: string; metadataXml?: string } = {};
        for (const issue of apiFieldIssues(error)) {
          if (issue.path === "name") next.name ??= issue.message;
          if (issue.path.startsWith("metadataXml")) next.metadataXml ??= issue.message;
        }
        setProblems(next);
        document.getElementById(next.name ? nameId : metadataId)?.focus();
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (create.isPending) return;
    const next: { name?: string; metadataXml?: string } = {};
    if (!name.trim()) next.name = "Enter a name";
    if (!metadataXml.trim()) next.metadataXml = "Paste the identity provider's metadata XML";
    setProblems(next);
    if (next.name || next.metadataXml) {
      document.getElementById(next.name ? nameId : metadataId)?.focus();
      return;
    }
    create.mutate({ source: "metadata", name, metadataXml });
  }

  const fieldRefusal = problems.name || problems.metadataXml;
  const otherFailure = create.isError && !fieldRefusal ? create.error : null;
  const metadataErrorId = `${metadataId}-error`;
  return (
    <Card title="Add an identity provider">
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={nameId}
          label="Name on the sign-in button"
          hint="People see “Sign in with” and this name."
          value={name}
          onChange={setName}
          error={problems.name ?? null}
          autoComplete="off"
          maxLength={200}
        />
        <div className="field" data-invalid={problems.metadataXml ? "" : undefined}>
          <label htmlFor={metadataId}>Identity provider metadata (XML)</label>
          {problems.metadataXml ? (
            <p id={metadataErrorId} className="field-error">
              <span className="visually-hidden">Error: </span>
              {problems.metadataXml}
            </p>
          ) : null}
          <textarea
            id={metadataId}
            className="input"
            rows={8}
            value={metadataXml}
            onChange={(event) => setMetadataXml(event.target.value)}
            aria-invalid={problems.metadataXml ? true : undefined}
            aria-describedby={problems.metadataXml ? metadataErrorId : undefined}
            spellCheck={false}
          />
        </div>
        <div className="form-actions">
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Add identity provider
          </Button>
        </div>
      </form>
      {otherFailure ? (
        <ErrorState title="The identity provider was not added" error={otherFailure} />
      ) : create.isError && !fieldRefusal ? (
        <p>{describeApiError(create.error).message}</p>
      ) : null}
    </Card>
  );
}

function RemoveDialog({
  identityProvider,
  onClose,
  onRemoved,
  returnFocusTo,
}: {
  identityProvider: IdentityProvider;
  onClose: () => void;
  onRemoved: () => void;
  returnFocusTo: () => HTMLElement | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.identityProviders.remove.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.identityProviders.list.queryKey() });
        onRemoved();
      },
    }),
  );
  return (
    <ModalDialog
      role="alertdialog"
      title={`Remove “${identityProvider.name}”?`}
      onClose={onClose}
      busy={remove.isPending}
      returnFocusTo={returnFocusTo}
    >
      <p>
        Its button leaves your sign-in page. People it signed in keep their accounts and memberships, and can still sign
        in with a password if they have one.
      </p>
      {remove.isError ? <ErrorState title="The identity provider was not removed" error={remove.error} /> : null}
      <div className="dialog-actions">
        <Button onPress={onClose} isDisabled={remove.isPending} autoFocus>
          Cancel
        </Button>
        <Button
          variant="danger"
          isPending={remove.isPending}
          onPress={() => remove.mutate({ identityProviderId: identityProvider.id })}
        >
          Remove identity provider
        </Button>
      </div>
    </ModalDialog>
  );
}
