import type { SessionListEntry } from "@learnops/contracts/me";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Dialog, DialogTrigger, Heading } from "react-aria-components/Dialog";
import { Modal, ModalOverlay } from "react-aria-components/Modal";
import { useTRPC } from "./api-provider.tsx";
import {
  Button,
  Card,
  DataTable,
  type DataTableColumn,
  ErrorState,
  LoadingState,
  PageHeader,
  StatusBadge,
  useDocumentTitle,
} from "./components.tsx";
import { describeDevice } from "./devices.ts";
import { useSessionChange } from "./session.tsx";

// Short enough for three columns on a phone; the year is left out, as sessions last hours.
const dateTime = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
});

function When({ value }: { value: string }) {
  return <time dateTime={value}>{dateTime.format(new Date(value))}</time>;
}

// Two columns, so the table fits a phone without scrolling sideways; each cell carries a second line.
const columns: readonly DataTableColumn<SessionListEntry>[] = [
  {
    key: "device",
    header: "Device",
    cell: (session) => (
      <>
        <span className="session-device">
          {describeDevice(session.userAgent)}
          {session.current ? <StatusBadge tone="positive">This device</StatusBadge> : null}
        </span>
        <span className="session-detail">from {session.ip ?? "an unknown address"}</span>
      </>
    ),
  },
  {
    key: "signedIn",
    header: "Signed in",
    cell: (session) => (
      <>
        <When value={session.createdAt} />
        <span className="session-detail">
          ends by <When value={session.expiresAt} />
        </span>
      </>
    ),
  },
];

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The sessions page (its own chunk, with the confirmation dialog). */
export default function SessionsPage() {
  const trpc = useTRPC();
  const { end } = useSessionChange();
  const sessions = useQuery(trpc.me.sessions.queryOptions());
  const signOutEverywhere = useMutation(
    trpc.auth.signOutEverywhere.mutationOptions({
      onSuccess: ({ sessionsEnded }) =>
        end({
          tone: "positive",
          message: `You signed out everywhere: ${plural(sessionsEnded, "session", "sessions")} ended.`,
        }),
    }),
  );
  useDocumentTitle("Your sessions · LearnOps");
  const count = sessions.data?.length ?? 0;

  return (
    <>
      <PageHeader
        title="Your sessions"
        lead="Every browser where you are signed in to LearnOps. If you see one you do not recognise, or used a shared computer, sign out everywhere."
      />
      <Card title="Where you are signed in">
        {sessions.isPending ? (
          <LoadingState label="Loading your sessions…" />
        ) : sessions.isError ? (
          <ErrorState
            title="Your sessions could not be loaded"
            error={sessions.error}
            onRetry={() => void sessions.refetch()}
          />
        ) : (
          <DataTable
            caption={`${plural(count, "session", "sessions")}, newest first`}
            columns={columns}
            rows={[...sessions.data].sort((a, b) => b.createdAt.localeCompare(a.createdAt))}
            rowKey={(session) => `${session.createdAt}-${session.expiresAt}-${session.ip}-${session.current}`}
          />
        )}
      </Card>
      <Card
        title="Sign out everywhere"
        description="Ends every session, this one included: you and anyone using a device you forgot to sign out of will need to sign in again."
      >
        <DialogTrigger>
          <Button className="button-start">Sign out everywhere…</Button>
          <ModalOverlay className="modal-overlay" isDismissable={!signOutEverywhere.isPending}>
            <Modal className="modal">
              <Dialog role="alertdialog" className="dialog">
                {({ close }) => (
                  <>
                    <Heading slot="title">Sign out everywhere?</Heading>
                    <p>
                      {count > 0
                        ? `This ends ${count === 1 ? "your only session" : `all ${count} of your sessions`}, on this device too. You will need to sign in again.`
                        : "This ends all of your sessions, on this device too. You will need to sign in again."}
                    </p>
                    {signOutEverywhere.isError ? (
                      <ErrorState title="You are still signed in" error={signOutEverywhere.error} />
                    ) : null}
                    <div className="dialog-actions">
                      <Button autoFocus onPress={close}>
                        Cancel
                      </Button>
                      <Button
                        variant="danger"
                        isPending={signOutEverywhere.isPending}
                        onPress={() => signOutEverywhere.mutate()}
                      >
                        Sign out everywhere
                      </Button>
                    </div>
                  </>
                )}
              </Dialog>
            </Modal>
          </ModalOverlay>
        </DialogTrigger>
      </Card>
    </>
  );
}
