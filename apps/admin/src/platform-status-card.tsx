import type { PlatformStatus } from "@learnops/contracts/operations";
import { useTRPC } from "@learnops/ui/api-provider";
import { Button, Card, ErrorState, LoadingState, StatusList, TimeOfDay } from "@learnops/ui/components";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

function describe(state: PlatformStatus["database"]) {
  return state === "up" ? { tone: "positive" as const, value: "Up" } : { tone: "critical" as const, value: "Down" };
}

export function PlatformStatusCard() {
  const trpc = useTRPC();
  const status = useQuery(trpc.operations.status.queryOptions(undefined, { refetchInterval: 15_000 }));
  // Only a refresh asked for shows as pending; the background refresh every 15 s stays quiet.
  const [refreshing, setRefreshing] = useState(false);

  async function refresh() {
    setRefreshing(true);
    try {
      await status.refetch();
    } finally {
      setRefreshing(false);
    }
  }

  return (
    <Card title="Platform status" description="Checked every 15 seconds while this page is open.">
      {status.isPending ? (
        <LoadingState label="Checking the platform…" />
      ) : status.isError ? (
        <ErrorState title="The platform status is unknown" error={status.error} onRetry={() => void refresh()} />
      ) : (
        <>
          <StatusList
            items={[
              { label: "Database", ...describe(status.data.database) },
              { label: "Job queue", ...describe(status.data.jobQueue) },
            ]}
          />
          <div className="card-footer">
            <p className="meta">
              Checked at <TimeOfDay value={status.data.checkedAt} />
            </p>
            <Button onPress={() => void refresh()} isPending={refreshing}>
              Refresh
            </Button>
          </div>
        </>
      )}
    </Card>
  );
}
