import { LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk: the Operations page never loads it.
const SingleSignOnView = lazy(() => import("./single-sign-on-view.tsx"));

/** Single sign-on: the institution's SAML identity providers, and what they need to know of LearnOps. */
export function SingleSignOnPage() {
  useDocumentTitle("Single sign-on · LearnOps Admin");
  return (
    <>
      <PageHeader
        title="Single sign-on"
        lead="Let your people sign in with your own identity provider (SAML 2.0). Each one gets a “Sign in with …” button on your sign-in page."
      />
      <Suspense fallback={<LoadingState label="Loading single sign-on…" />}>
        <SingleSignOnView />
      </Suspense>
    </>
  );
}
