import type { AppRouter } from "@learnops/api/root";
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
} from "@learnops/ui/components";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { useState } from "react";
import { DateText, ModalDialog, plural } from "./settings-controls.tsx";

type Override = inferOutput<TRPCOptionsProxy<AppRouter>["access"]["listOverrides"]>[number];

function stateOf(override: Override): { label: string; tone: "positive" | "critical" | "neutral" } {
  if (override.revokedAt) return { label: "Revoked", tone: "neutral" };
  if (override.inForce) return { label: "In force", tone: "positive" };
  if (Date.parse(override.expiresAt) <= Date.now()) return { label: "Ended", tone: "neutral" };
  return { label: "Not started", tone: "neutral" };
}

/** Access overrides: exceptions to the enrolment rules for one learner and course, until a day; revocable. */
export function OverridesCard({
  filters,
  learnerName,
  onChanged,
}: {
  filters: { userId: string; courseId: string };
  learnerName: string | null;
  onChanged: (message: string) => void;
}) {
  const trpc = useTRPC();
  const overrides = useQuery(
    trpc.access.listOverrides.queryOptions({
      ...(filters.userId ? { userId: filters.userId } : {}),
      ...(filters.courseId ? { courseId: filters.courseId } : {}),
    }),
  );
  const [revoking, setRevoking] = useState<Override | null>(null);
  const columns: DataTableColumn<Override>[] = [
    {
      key: "learner",
      header: "Learner",
      cell: (row) => (
        <span className="course-cell">
          <span>{row.learner.displayName}</span>
          <span className="meta">{row.learner.email}</span>
        </span>
      ),
    },
    { key: "course", header: "Course", cell: (row) => row.course.title },
    {
      key: "effect",
      header: "Effect",
      cell: (row) => (
        <StatusBadge tone={row.effect === "allow" ? "positive" : "critical"}>
          {row.effect === "allow" ? "Allow" : "Deny"}
        </StatusBadge>
      ),
    },
    {
      key: "period",
      header: "Period",
      cell: (row) => (
        <span className="nowrap">
          <DateText value={row.startsAt} /> – <DateText value={row.expiresAt} />
        </span>
      ),
    },
    {
      key: "state",
      header: "State",
      cell: (row) => {
        const state = stateOf(row);
        return <StatusBadge tone={state.tone}>{state.label}</StatusBadge>;
      },
    },
    { key: "reason", header: "Reason", cell: (row) => <span className="status-reason">{row.reason}</span> },
    {
      key: "actions",
      header: "Actions",
      cell: (row) =>
        row.revokedAt || Date.parse(row.expiresAt) <= Date.now() ? null : (
          <Button className="button-small" onPress={() => setRevoking(row)}>
            Revoke
            <span className="visually-hidden">
              {" "}
              override for {row.learner.displayName}, {row.course.title}
            </span>
          </Button>
        ),
    },
  ];
  const scope = [learnerName ?? (filters.userId ? "this learner" : null), filters.courseId ? "this course" : null]
    .filter(Boolean)
    .join(", ");
  return (
    <Card
      title="Access overrides"
      description="Exceptions to the enrolment rules for one learner and one course, until a day. Create one from an enrolment’s Actions."
    >
      {overrides.isPending ? (
        <LoadingState label="Loading overrides…" />
      ) : overrides.isError ? (
        <ErrorState
          title="Overrides could not be loaded"
          error={overrides.error}
          onRetry={() => void overrides.refetch()}
        />
      ) : overrides.data.length === 0 ? (
        <EmptyState title={scope ? `No overrides for ${scope}` : "No overrides"}>
          Everyone’s access follows their enrolment.
        </EmptyState>
      ) : (
        <DataTable
          caption={`${plural(overrides.data.length, "override", "overrides")}${scope ? ` for ${scope}` : ""}, newest first`}
          columns={columns}
          rows={overrides.data}
          rowKey={(row) => row.id}
        />
      )}
      {revoking ? (
        <RevokeDialog
          override={revoking}
          onClose={() => setRevoking(null)}
          onRevoked={() => {
            setRevoking(null);
            onChanged(`Revoked the override for ${revoking.learner.displayName} in ${revoking.course.title}.`);
          }}
        />
      ) : null}
    </Card>
  );
}

function RevokeDialog({
  override,
  onClose,
  onRevoked,
}: {
  override: Override;
  onClose: () => void;
  onRevoked: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const revoke = useMutation(
    trpc.access.revokeOverride.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.access.listOverrides.pathKey() });
        onRevoked();
      },
    }),
  );
  return (
    <ModalDialog role="alertdialog" title="Revoke this override?" onClose={onClose} busy={revoke.isPending}>
      <p>
        {override.learner.displayName}’s access to {override.course.title} will follow their enrolment again, from now.
      </p>
      {revoke.isError ? <ErrorState title="The override was not revoked" error={revoke.error} /> : null}
      <div className="dialog-actions">
        <Button onPress={onClose} isDisabled={revoke.isPending} autoFocus>
          Keep it
        </Button>
        <Button
          variant="danger"
          isPending={revoke.isPending}
          onPress={() => revoke.mutate({ overrideId: override.id })}
        >
          Revoke override
        </Button>
      </div>
    </ModalDialog>
  );
}
