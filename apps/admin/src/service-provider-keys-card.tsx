import type { AppRouter } from "@learnops/api/root";
import { useTRPC } from "@learnops/ui/api-provider";
import {
  Button,
  Card,
  DataTable,
  type DataTableColumn,
  ErrorState,
  LoadingState,
  StatusBadge,
  StatusMessage,
} from "@learnops/ui/components";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { useRef, useState } from "react";
import { DateText, ModalDialog } from "./settings-controls.tsx";

type KeysOverview = inferOutput<TRPCOptionsProxy<AppRouter>["identityProviders"]["serviceProviderKeys"]>;
type ServiceProviderKey = KeysOverview["keys"][number];

const statusWords: Record<ServiceProviderKey["status"], { label: string; tone: "positive" | "neutral" | "critical" }> =
  {
    next: { label: "Next: published, not signing yet", tone: "neutral" },
    current: { label: "Current: signs and decrypts", tone: "positive" },
    previous: { label: "Previous: decrypts only", tone: "neutral" },
    retired: { label: "Retired", tone: "critical" },
  };

type Confirming = { kind: "activate" } | { kind: "retire"; key: ServiceProviderKey };

/**
 * The institution's own SAML keys: the current one signs its requests and decrypts assertions; a rotation
 * publishes the next one first (identity providers pick it up from the metadata), then switches to it, and
 * the previous one keeps decrypting for a grace period until it is retired.
 */
export function ServiceProviderKeysCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const overview = useQuery(trpc.identityProviders.serviceProviderKeys.queryOptions());
  const [outcome, setOutcome] = useState("");
  const [confirming, setConfirming] = useState<Confirming | null>(null);
  const outcomeRef = useRef<HTMLDivElement>(null);
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.identityProviders.serviceProviderKeys.queryKey() });
  const createNext = useMutation(
    trpc.identityProviders.createNextServiceProviderKey.mutationOptions({
      onSuccess: async () => {
        await refresh();
        setOutcome(
          "Made the next key. It is in the metadata now: ask your identity providers to refresh it, then switch.",
        );
        outcomeRef.current?.focus();
      },
    }),
  );

  if (overview.isPending) return <LoadingState label="Loading the service provider's keys…" />;
  if (overview.isError)
    return (
      <Card title="Signing and encryption keys">
        <ErrorState
          title="The keys could not be loaded"
          error={overview.error}
          onRetry={() => void overview.refetch()}
        />
      </Card>
    );

  const { keys, metadataUrl, previousKeyGraceDays, renewal } = overview.data;
  const hasNext = keys.some((key) => key.status === "next");
  const columns: DataTableColumn<ServiceProviderKey>[] = [
    {
      key: "status",
      header: "Status",
      cell: (key) => <StatusBadge tone={statusWords[key.status].tone}>{statusWords[key.status].label}</StatusBadge>,
    },
    {
      key: "fingerprint",
      header: "Certificate fingerprint (SHA-256)",
      cell: (key) => <code className="fingerprint">{key.fingerprintSha256}</code>,
    },
    {
      key: "dates",
      header: "Dates",
      cell: (key) => (
        <ul className="plain-list">
          <li>
            Made <DateText value={key.createdAt} />
          </li>
          {key.activatedAt ? (
            <li>
              Signing since <DateText value={key.activatedAt} />
            </li>
          ) : null}
          {key.status === "previous" && key.decryptsUntil ? (
            <li>
              Decrypts until <DateText value={key.decryptsUntil} />
            </li>
          ) : null}
          {key.retiredAt ? (
            <li>
              Retired <DateText value={key.retiredAt} />
            </li>
          ) : (
            <li>
              Certificate valid until <DateText value={key.notAfter} />
            </li>
          )}
        </ul>
      ),
    },
    {
      key: "actions",
      header: "Actions",
      cell: (key) =>
        key.status === "next" || key.status === "previous" ? (
          <Button onPress={() => setConfirming({ kind: "retire", key })}>
            Retire<span className="visually-hidden"> the {key.status} key</span>
          </Button>
        ) : null,
    },
  ];

  return (
    <Card
      title="Signing and encryption keys"
      description="Your service provider signs its sign-in and sign-out requests with its current key, and identity providers may encrypt assertions for it. Private keys never leave LearnOps."
    >
      {renewal.step === "none" ? null : (
        <p className="key-renewal-warning">
          {renewal.step === "expired" ? (
            <>
              The current key’s certificate ran out on <DateText value={renewal.expiresAt} />. Identity providers that
              check it may refuse sign-in requests: prepare the next key, or switch to it, now.
            </>
          ) : (
            <>
              The current key’s certificate runs out on <DateText value={renewal.expiresAt} /> (in{" "}
              {renewal.daysLeft === 1 ? "1 day" : `${renewal.daysLeft} days`}).{" "}
              {renewal.step === "prepare"
                ? "Prepare the next key now, and send the new metadata to each identity provider before switching."
                : "The next key is ready: once each identity provider has the new metadata, switch to it."}
            </>
          )}
        </p>
      )}
      <DataTable caption="This institution's keys, next first" columns={columns} rows={keys} rowKey={(key) => key.id} />
      <div className="form-actions">
        {hasNext ? (
          <Button variant="primary" onPress={() => setConfirming({ kind: "activate" })}>
            Switch to the next key
          </Button>
        ) : (
          <Button variant="primary" isPending={createNext.isPending} onPress={() => createNext.mutate()}>
            Prepare the next key
          </Button>
        )}
        <a href={metadataUrl} download>
          Download the metadata with these certificates
        </a>
      </div>
      {createNext.isError ? <ErrorState title="The next key was not made" error={createNext.error} /> : null}
      <div ref={outcomeRef} tabIndex={-1} className="status-message-holder">
        <StatusMessage tone="positive">{outcome}</StatusMessage>
      </div>
      {confirming ? (
        <KeyActionDialog
          confirming={confirming}
          graceDays={previousKeyGraceDays}
          onClose={() => setConfirming(null)}
          onDone={async (message) => {
            setConfirming(null);
            await refresh();
            setOutcome(message);
          }}
          returnFocusTo={() => outcomeRef.current}
        />
      ) : null}
    </Card>
  );
}

function KeyActionDialog({
  confirming,
  graceDays,
  onClose,
  onDone,
  returnFocusTo,
}: {
  confirming: Confirming;
  graceDays: number;
  onClose: () => void;
  onDone: (message: string) => Promise<void>;
  returnFocusTo: () => HTMLElement | null;
}) {
  const trpc = useTRPC();
  const activate = useMutation(
    trpc.identityProviders.activateNextServiceProviderKey.mutationOptions({
      onSuccess: () =>
        onDone(
          `Switched to the next key. The previous key still decrypts assertions for ${graceDays} days, unless you retire it.`,
        ),
    }),
  );
  const retire = useMutation(
    trpc.identityProviders.retireServiceProviderKey.mutationOptions({
      onSuccess: () => onDone("Retired the key: its private key is erased."),
    }),
  );
  const pending = activate.isPending || retire.isPending;
  const failure = activate.error ?? retire.error;
  return (
    <ModalDialog
      role="alertdialog"
      title={confirming.kind === "activate" ? "Switch to the next key?" : `Retire the ${confirming.key.status} key?`}
      onClose={onClose}
      busy={pending}
      returnFocusTo={returnFocusTo}
    >
      {confirming.kind === "activate" ? (
        <p>
          Requests are signed with the next key from now on. Identity providers that have not refreshed your metadata
          will not trust them until they do. The current key keeps decrypting assertions for {graceDays} days.
        </p>
      ) : confirming.key.status === "previous" ? (
        <p>
          Assertions encrypted for this key are refused from now on, and its private key is erased. This cannot be
          undone.
        </p>
      ) : (
        <p>The next key is withdrawn from your metadata and its private key erased. You can prepare another.</p>
      )}
      {failure ? <ErrorState title="Nothing was changed" error={failure} /> : null}
      <div className="dialog-actions">
        <Button onPress={onClose} isDisabled={pending} autoFocus>
          Cancel
        </Button>
        {confirming.kind === "activate" ? (
          <Button variant="primary" isPending={activate.isPending} onPress={() => activate.mutate()}>
            Switch keys
          </Button>
        ) : (
          <Button
            variant="danger"
            isPending={retire.isPending}
            onPress={() => retire.mutate({ keyId: confirming.key.id })}
          >
            Retire key
          </Button>
        )}
      </div>
    </ModalDialog>
  );
}
