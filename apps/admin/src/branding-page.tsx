import type { SessionView } from "@learnops/contracts/me";
import { LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk: the Operations page never loads it.
const BrandingView = lazy(() => import("./branding-view.tsx"));

/** The active institution's name, colours and logo, with a preview and a contrast check before saving. */
export function BrandingPage({ session }: { session: SessionView }) {
  useDocumentTitle("Branding · LearnOps Admin");
  const institution = session.activeMembership?.institution;
  return (
    <>
      <PageHeader
        title="Branding"
        lead="How your institution appears in every LearnOps app and on its sign-in page: its name, colours and logo."
      />
      {institution ? (
        <Suspense fallback={<LoadingState label="Loading the branding form…" />}>
          {/* Keyed by institution: switching membership starts from the other institution's branding. */}
          <BrandingView key={institution.id} institution={institution} />
        </Suspense>
      ) : null}
    </>
  );
}
