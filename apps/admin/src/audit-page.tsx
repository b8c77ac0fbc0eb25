import type { SessionView } from "@learnops/contracts/me";
import { LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk: the Operations page never loads it.
const AuditView = lazy(() => import("./audit-view.tsx"));

/** The institution's audit log: who did what, when and from where, filtered and paged, and its integrity. */
export function AuditPage({ session }: { session: SessionView }) {
  useDocumentTitle("Audit log · LearnOps Admin");
  return (
    <>
      <PageHeader
        title="Audit log"
        lead="Every change made in your institution and every sign-in: who, acting in which role, when and from where. Nobody can edit or delete it."
      />
      <Suspense fallback={<LoadingState label="Loading the audit log…" />}>
        <AuditView
          key={session.activeMembership?.institution.id ?? "none"}
          canVerify={session.permissions.includes("audit.verify")}
        />
      </Suspense>
    </>
  );
}
