import { useTRPC } from "@learnops/ui/api-provider";
import { ErrorState, LoadingState, PageHeader } from "@learnops/ui/components";
import { Redirect, usePathname } from "@learnops/ui/navigation";
import { useSession } from "@learnops/ui/session";
import { skipToken, useQuery } from "@tanstack/react-query";
import { DirectoryPage } from "./directory-page.tsx";
import { InstitutionPage } from "./institution-page.tsx";
import { LearnerShell } from "./learner-shell.tsx";
import { basePath, institutionHref, routeFor } from "./routes.ts";
import { SignedInPage } from "./signed-in-page.tsx";

/**
 * Signed out, the directory is the landing page and each institution's page is its branded sign-in; signed in,
 * the learner's home and sessions, in the colours of the institution they act in.
 */
export function App() {
  const route = routeFor(usePathname());
  const session = useSession();
  const trpc = useTRPC();
  // Asked for together with the session (one batched request), not after it: the page needs both.
  useQuery(
    trpc.institutions.bySlug.queryOptions(
      route.page === "institution" && session.status === "loading" ? { slug: route.slug } : skipToken,
    ),
  );

  switch (session.status) {
    case "loading":
      return (
        <LearnerShell>
          <LoadingState label="Loading…" />
        </LearnerShell>
      );
    case "error":
      return (
        <LearnerShell>
          <PageHeader title="The learner portal could not be opened" />
          <ErrorState error={session.error} onRetry={session.retry} />
        </LearnerShell>
      );
    case "signedIn":
      // An institution's sign-in page has nothing for someone signed in: their home is the start page.
      if (route.page === "institution") return <Redirect to={basePath} />;
      return <SignedInPage session={session.session} page={route.page} />;
    case "signedOut": {
      if (route.page === "institution") return <InstitutionPage slug={route.slug} notice={session.notice} />;
      // A session that just ended sends the learner back to their institution's sign-in page.
      const slug = session.notice?.institutionSlug;
      if (slug) return <Redirect to={institutionHref(slug)} />;
      if (route.page === "sessions") return <Redirect to={basePath} />;
      return <DirectoryPage notice={session.notice} />;
    }
  }
}
