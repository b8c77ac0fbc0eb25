import type { SessionView } from "@learnops/contracts/me";
import { LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk: other sections never load it.
const ContractsView = lazy(() => import("./contracts-view.tsx"));

export function ContractsPage({ session }: { session: SessionView }) {
  useDocumentTitle("Contracts · LearnOps Admin");
  return (
    <>
      <PageHeader
        title="Contracts"
        lead="Corporate contracts: the courses a client group’s people take free, and for how long."
      />
      <Suspense fallback={<LoadingState label="Loading contracts…" />}>
        <ContractsView key={session.activeMembership?.institution.id ?? "none"} session={session} />
      </Suspense>
    </>
  );
}
