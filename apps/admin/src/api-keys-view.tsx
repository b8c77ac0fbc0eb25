import "./api-keys.css";
import type { AppRouter } from "@learnops/api/root";
import { createApiKeyInput } from "@learnops/contracts/administration";
import type { ApiKeyScope } from "@learnops/contracts/auth";
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
  StatusBadge,
  StatusMessage,
} from "@learnops/ui/components";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { DateText, ModalDialog, plural, TextField } from "./settings-controls.tsx";

type ApiKey = inferOutput<TRPCOptionsProxy<AppRouter>["apiKeys"]["list"]>[number];

/** Each scope in words: what a system holding it may do. */
const scopes: readonly { scope: ApiKeyScope; label: string; description: string }[] = [
  { scope: "xapi:write", label: "Send learning records (xapi:write)", description: "Record xAPI statements." },
  { scope: "enrolments:read", label: "Read enrolments (enrolments:read)", description: "List who is enrolled where." },
  {
    scope: "enrolments:write",
    label: "Enrol people (enrolments:write)",
    description: "Enrol and unenrol people in courses.",
  },
  { scope: "reports:read", label: "Read reports (reports:read)", description: "Download completion reports." },
];

function keyStatus(key: ApiKey, now: number) {
  if (key.revokedAt) {
    return (
      <StatusBadge tone="neutral">
        Revoked <DateText value={key.revokedAt} />
      </StatusBadge>
    );
  }
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) {
    return (
      <StatusBadge tone="neutral">
        Expired <DateText value={key.expiresAt} />
      </StatusBadge>
    );
  }
  return <StatusBadge tone="positive">Active</StatusBadge>;
}

export default function ApiKeysView() {
  const trpc = useTRPC();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [outcome, setOutcome] = useState("");
  const outcomeRef = useRef<HTMLDivElement>(null);
  const now = Date.now();

  const columns: readonly DataTableColumn<ApiKey>[] = [
    {
      key: "name",
      header: "Name",
      cell: (key) => (
        <>
          {key.name}
          <span className="key-detail">
            <code>lo_{key.publicId}_…</code>
          </span>
        </>
      ),
    },
    {
      key: "scopes",
      header: "Scopes",
      cell: (key) => (
        <ul className="key-scopes">
          {key.scopes.map((scope) => (
            <li key={scope}>
              <code>{scope}</code>
            </li>
          ))}
        </ul>
      ),
    },
    { key: "created", header: "Created", cell: (key) => <DateText value={key.createdAt} /> },
    {
      key: "lastUsed",
      header: "Last used",
      cell: (key) => (key.lastUsedAt ? <DateText value={key.lastUsedAt} /> : "Never"),
    },
    { key: "status", header: "Status", cell: (key) => keyStatus(key, now) },
    {
      key: "actions",
      header: "Actions",
      cell: (key) =>
        key.revokedAt ? null : (
          <Button onPress={() => setRevoking(key)}>
            Revoke<span className="visually-hidden"> {key.name}</span>
          </Button>
        ),
    },
  ];

  return (
    <>
      <div>
        <Button variant="primary" onPress={() => setCreating(true)}>
          Create API key
        </Button>
      </div>
      <div ref={outcomeRef} tabIndex={-1} className="status-message-holder">
        <StatusMessage tone="positive">{outcome}</StatusMessage>
      </div>
      <Card title="Keys">
        {keys.isPending ? (
          <LoadingState label="Loading API keys…" />
        ) : keys.isError ? (
          <ErrorState title="API keys could not be loaded" error={keys.error} onRetry={() => void keys.refetch()} />
        ) : keys.data.length === 0 ? (
          <EmptyState title="No API keys yet">
            Create one for each system that should reach LearnOps, with only the scopes it needs.
          </EmptyState>
        ) : (
          <DataTable
            caption={`${plural(keys.data.length, "key", "keys")}, newest first`}
            columns={columns}
            rows={keys.data}
            rowKey={(key) => key.id}
          />
        )}
      </Card>
      {creating ? (
        <CreateKeyDialog
          onClose={() => setCreating(false)}
          onCreated={(name) => setOutcome(`Created the key “${name}”.`)}
        />
      ) : null}
      {revoking ? (
        <RevokeKeyDialog
          apiKey={revoking}
          onClose={() => setRevoking(null)}
          onRevoked={() => {
            setOutcome(`Revoked the key “${revoking.name}”. Systems using it are refused from now on.`);
            setRevoking(null);
          }}
          returnFocusTo={() => outcomeRef.current}
        />
      ) : null}
    </>
  );
}

type Field = "name" | "scopes";

function CreateKeyDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (name: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const nameId = `${id}-name`;
  const scopesId = `${id}-scopes`;
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<ApiKeyScope[]>([]);
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: async (_created, input) => {
        onCreated(input.name);
        await queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
      },
      onError: (error) => {
        const fields: Partial<Record<Field, string>> = {};
        for (const issue of apiFieldIssues(error)) {
          const field = issue.path.split(".")[0];
          if (field === "name" || field === "scopes") fields[field] ??= issue.message;
        }
        show(fields);
      },
    }),
  );

  function show(fields: Partial<Record<Field, string>>) {
    setProblems(fields);
    // Focus the first field in trouble: its message is read with it.
    const first = fields.name ? nameId : fields.scopes ? `${scopesId}-${scopes[0]?.scope}` : null;
    if (first) document.getElementById(first)?.focus();
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (create.isPending) return;
    const parsed = createApiKeyInput.safeParse({ name, scopes: chosen });
    if (!parsed.success) {
      const fields: Partial<Record<Field, string>> = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        if (field === "name" || field === "scopes") fields[field] ??= issue.message;
      }
      show(fields);
      return;
    }
    setProblems({});
    create.mutate(parsed.data);
  }

  if (create.isSuccess) {
    return (
      <ModalDialog title={`Copy the key for “${create.variables.name}”`} onClose={onClose}>
        <NewKey secret={create.data.key} scopes={create.variables.scopes} onDone={onClose} />
      </ModalDialog>
    );
  }

  const otherFailure = create.isError && Object.keys(problems).length === 0 ? create.error : null;
  return (
    <ModalDialog title="Create an API key" onClose={onClose} busy={create.isPending}>
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={nameId}
          label="Name"
          hint="Name it after the system that will use it, so you know what stops working if you revoke it."
          value={name}
          onChange={setName}
          error={problems.name}
          autoComplete="off"
          maxLength={200}
          autoFocus
        />
        <fieldset
          className="field scope-fieldset"
          data-invalid={problems.scopes ? "" : undefined}
          aria-describedby={problems.scopes ? `${scopesId}-error` : undefined}
        >
          <legend>Scopes</legend>
          {problems.scopes ? (
            <p id={`${scopesId}-error`} className="field-error">
              <span className="visually-hidden">Error: </span>
              {problems.scopes}
            </p>
          ) : null}
          {scopes.map(({ scope, label, description }) => (
            <div key={scope} className="scope-option">
              <input
                type="checkbox"
                id={`${scopesId}-${scope}`}
                checked={chosen.includes(scope)}
                onChange={(event) =>
                  setChosen((current) =>
                    event.target.checked ? [...current, scope] : current.filter((other) => other !== scope),
                  )
                }
                aria-describedby={`${scopesId}-${scope}-description`}
              />
              <label htmlFor={`${scopesId}-${scope}`}>
                {label}
                <span id={`${scopesId}-${scope}-description`} className="scope-description">
                  {description}
                </span>
              </label>
            </div>
          ))}
        </fieldset>
        {otherFailure ? <ErrorState title="The key was not created" error={otherFailure} /> : null}
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Create key
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}

/**
 * The new key, once: a read-only field to select, a copy button, and the warning that it is shown only now;
 * for a key that may send xAPI statements, what to enter in the tool (docs/api.md, "xAPI statements").
 */
function NewKey({
  secret,
  scopes: granted,
  onDone,
}: {
  secret: string;
  scopes: readonly ApiKeyScope[];
  onDone: () => void;
}) {
  const id = useId();
  const fieldRef = useRef<HTMLTextAreaElement>(null);
  const copyId = `${id}-copy`;
  const [copyOutcome, setCopyOutcome] = useState("");

  // The form this replaces had focus: it moves to the one thing to do now.
  useEffect(() => {
    document.getElementById(copyId)?.focus();
  }, [copyId]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopyOutcome("Copied to the clipboard.");
    } catch {
      // The browser refused the clipboard (permissions, an insecure origin): select it for the person to copy.
      fieldRef.current?.focus();
      fieldRef.current?.select();
      setCopyOutcome("Copying was refused by the browser. The key is selected: press Ctrl+C (⌘C on a Mac) to copy it.");
    }
  }

  return (
    <>
      <p className="new-key-warning">
        <strong>You will not see this key again.</strong> Copy it now and store it in the system that will use it.
        LearnOps keeps only a fingerprint of it; if it is lost, create a new key and revoke this one.
      </p>
      <div className="field">
        <label htmlFor={id}>API key</label>
        {/* A text area, so the whole key shows, wrapped (three lines at 360 px), and can still be selected in one go. */}
        <textarea
          ref={fieldRef}
          id={id}
          className="input new-key-value"
          value={secret}
          readOnly
          rows={3}
          spellCheck={false}
          onFocus={(event) => event.target.select()}
        />
      </div>
      {granted.includes("xapi:write") ? <XapiToolSetup headingId={`${id}-xapi`} /> : null}
      <div className="dialog-actions">
        <Button id={copyId} variant="primary" onPress={() => void copy()}>
          Copy key
        </Button>
        <Button onPress={onDone}>I have stored the key</Button>
      </div>
      <StatusMessage tone="positive">{copyOutcome}</StatusMessage>
    </>
  );
}

/** Where an xAPI tool (a video platform, authoring tool or LRS forwarder) sends statements, and how it signs in. */
function XapiToolSetup({ headingId }: { headingId: string }) {
  // The API serves this console, so the statements endpoint is on the same origin.
  const endpoint = new URL("/xapi/", window.location.href).href;
  return (
    <section className="xapi-setup" aria-labelledby={headingId}>
      <h4 id={headingId}>In the xAPI tool</h4>
      <dl className="definition-list">
        <dt>Endpoint (LRS address)</dt>
        <dd>
          <code>{endpoint}</code>
        </dd>
        <dt>Key or user name</dt>
        <dd>This API key</dd>
        <dt>Secret or password</dt>
        <dd>Leave it empty</dd>
        <dt>xAPI version</dt>
        <dd>1.0.3</dd>
      </dl>
      <p>
        Learners are found by their email address, its SHA-1 (mbox_sha1sum) or their single sign-on account; lessons by
        their xAPI activity id, or else their content address.
      </p>
    </section>
  );
}

function RevokeKeyDialog({
  apiKey,
  onClose,
  onRevoked,
  returnFocusTo,
}: {
  apiKey: ApiKey;
  onClose: () => void;
  onRevoked: () => void;
  returnFocusTo: () => HTMLElement | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
        onRevoked();
      },
    }),
  );
  return (
    <ModalDialog
      role="alertdialog"
      title={`Revoke “${apiKey.name}”?`}
      onClose={onClose}
      busy={revoke.isPending}
      returnFocusTo={returnFocusTo}
    >
      <p>
        Every system using this key is refused from the moment you revoke it. This cannot be undone: to reconnect a
        system, create a new key.
      </p>
      {revoke.isError ? <ErrorState title="The key was not revoked" error={revoke.error} /> : null}
      <div className="dialog-actions">
        <Button onPress={onClose} isDisabled={revoke.isPending} autoFocus>
          Cancel
        </Button>
        <Button variant="danger" isPending={revoke.isPending} onPress={() => revoke.mutate({ apiKeyId: apiKey.id })}>
          Revoke key
        </Button>
      </div>
    </ModalDialog>
  );
}
