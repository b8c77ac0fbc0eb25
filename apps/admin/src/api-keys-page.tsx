import type { SessionView } from "@learnops/contracts/me";
import { LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk: the Operations page never loads it.
const ApiKeysView = lazy(() => import("./api-keys-view.tsx"));

/** Keys for the institution's machine clients: created with the scopes they need, shown once, revocable. */
export function ApiKeysPage({ session }: { session: SessionView }) {
  useDocumentTitle("API keys · LearnOps Admin");
  return (
    <>
      <PageHeader
        title="API keys"
        lead="Keys let your other systems (an HR system, an xAPI learning record store) use LearnOps on your institution’s behalf. Give each system its own key with only the scopes it needs."
      />
      <Suspense fallback={<LoadingState label="Loading API keys…" />}>
        <ApiKeysView key={session.activeMembership?.institution.id ?? "none"} />
      </Suspense>
    </>
  );
}
