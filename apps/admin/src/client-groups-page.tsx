import type { SessionView } from "@learnops/contracts/me";
import { LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk: the Operations page never loads it.
const ClientGroupsView = lazy(() => import("./client-groups-view.tsx"));

/** Client groups: the employers or clients whose people an institution trains, each managed as a group. */
export function ClientGroupsPage({ session }: { session: SessionView }) {
  useDocumentTitle("Client groups · LearnOps Admin");
  return (
    <>
      <PageHeader
        title="Client groups"
        lead="The organisations whose people you train. A client manager sees only the people of their group."
      />
      <Suspense fallback={<LoadingState label="Loading client groups…" />}>
        <ClientGroupsView session={session} />
      </Suspense>
    </>
  );
}
