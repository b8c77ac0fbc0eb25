import type { WorkerCheck } from "@learnops/contracts/operations";
import { useTRPC } from "@learnops/ui/api-provider";
import { Button, Card, ErrorState, StatusMessage } from "@learnops/ui/components";
import { skipToken, useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";

const pollEveryMs = 250;
/** After this long without an answer the page says so; after the next it stops asking. */
const slowAfterMs = 10_000;
const giveUpAfterMs = 60_000;

type WaitPhase = "answering" | "slow" | "gaveUp";

/** How long a check has waited, in phases; starts over for each new check id. */
function useWaitPhase(checkId: string | undefined): WaitPhase {
  const [phase, setPhase] = useState<{ checkId: string | undefined; value: WaitPhase }>({
    checkId: undefined,
    value: "answering",
  });
  useEffect(() => {
    if (!checkId) return;
    const slow = setTimeout(() => setPhase({ checkId, value: "slow" }), slowAfterMs);
    const gaveUp = setTimeout(() => setPhase({ checkId, value: "gaveUp" }), giveUpAfterMs);
    return () => {
      clearTimeout(slow);
      clearTimeout(gaveUp);
    };
  }, [checkId]);
  return phase.checkId === checkId ? phase.value : "answering";
}

function progressMessage(sending: boolean, check: WorkerCheck | undefined, phase: WaitPhase): string {
  if (sending) return "Sending a check to the job queue…";
  if (!check) return "";
  if (check.state === "completed") {
    return `A worker answered in ${check.latencyMs ?? "?"} ms (worker ${check.workedBy ?? "unknown"}).`;
  }
  if (phase === "gaveUp") {
    return "No worker answered within 60 seconds. Check that a worker process is running and read its log, then check again.";
  }
  if (phase === "slow") return "Still waiting after 10 seconds. Is a worker process running?";
  return "Waiting for a worker to answer…";
}

/**
 * Sends a job through the API and the queue and waits until a worker process has worked it: the proof, from
 * the browser, that jobs sent now (reminders, certificates, emails) will be picked up.
 */
export function WorkerCheckCard() {
  const trpc = useTRPC();
  const request = useMutation(trpc.operations.requestWorkerCheck.mutationOptions());
  const checkId = request.data?.id;
  const phase = useWaitPhase(checkId);
  const answer = useQuery(
    trpc.operations.workerCheckById.queryOptions(checkId ? { id: checkId } : skipToken, {
      refetchInterval: (query) => (query.state.data?.state === "completed" || phase === "gaveUp" ? false : pollEveryMs),
    }),
  );

  const check = answer.data ?? request.data;
  const waiting = request.isPending || (check?.state === "waiting" && phase !== "gaveUp" && !answer.isError);
  const error = request.error ?? answer.error;

  return (
    <Card
      title="Worker check"
      description="Sends a job through the queue and waits for a worker process to pick it up."
    >
      <div>
        <Button variant="primary" isPending={waiting} onPress={() => request.mutate()}>
          Check worker
        </Button>
      </div>
      <StatusMessage tone={check?.state === "completed" ? "positive" : "neutral"}>
        {progressMessage(request.isPending, check, phase)}
      </StatusMessage>
      {error ? <ErrorState title="The worker check failed" error={error} /> : null}
    </Card>
  );
}
