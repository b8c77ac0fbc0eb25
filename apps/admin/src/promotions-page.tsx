import type { SessionView } from "@learnops/contracts/me";
import { LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk: other sections never load it.
const PromotionsView = lazy(() => import("./promotions-view.tsx"));

export function PromotionsPage({ session }: { session: SessionView }) {
  useDocumentTitle("Promotions · LearnOps Admin");
  return (
    <>
      <PageHeader
        title="Promotions"
        lead="Codes that open courses free for a while: for campaigns, partners and goodwill."
      />
      <Suspense fallback={<LoadingState label="Loading promotions…" />}>
        <PromotionsView key={session.activeMembership?.institution.id ?? "none"} session={session} />
      </Suspense>
    </>
  );
}
