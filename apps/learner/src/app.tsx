import { useTRPC } from "@learnops/ui/api-provider";
import { ErrorState, LoadingState, PageHeader } from "@learnops/ui/components";
import { Redirect, usePathname } from "@learnops/ui/navigation";
import { useSession } from "@learnops/ui/session";
import { skipToken, useQuery } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { DirectoryPage } from "./directory-page.tsx";
import { InstitutionPage } from "./institution-page.tsx";
import { LearnerShell } from "./learner-shell.tsx";
import { basePath, institutionHref, isPublicAccountPage, type PublicAccountPage, routeFor } from "./routes.ts";
import { SignedInPage } from "./signed-in-page.tsx";

// The account pages come with their forms and zod: one chunk, fetched only when one of them is opened.
const accountPages = () => import("./account-pages.tsx");
const ForgotPasswordPage = lazy(() => accountPages().then((module) => ({ default: module.ForgotPasswordPage })));
const ResetPasswordPage = lazy(() => accountPages().then((module) => ({ default: module.ResetPasswordPage })));
const VerifyEmailPage = lazy(() => accountPages().then((module) => ({ default: module.VerifyEmailPage })));
const RegisterPage = lazy(() => accountPages().then((module) => ({ default: module.RegisterPage })));

function Loading() {
  return (
    <LearnerShell>
      <LoadingState label="Loading…" />
    </LearnerShell>
  );
}

function PublicAccount({ page }: { page: PublicAccountPage }) {
  return (
    <Suspense fallback={<Loading />}>
      {page === "forgotPassword" ? (
        <ForgotPasswordPage />
      ) : page === "resetPassword" ? (
        <ResetPasswordPage />
      ) : (
        <VerifyEmailPage />
      )}
    </Suspense>
  );
}

/**
 * Signed out, the directory is the landing page and each institution's page is its branded sign-in (and, where
 * the institution allows it, registration); signed in, the learner's home, sessions and password, in the
 * colours of the institution they act in. The pages links in emails open work either way.
 */
export function App() {
  const route = routeFor(usePathname());
  const session = useSession();
  const trpc = useTRPC();
  // Asked for together with the session (one batched request), not after it: the page needs both.
  useQuery(
    trpc.institutions.bySlug.queryOptions(
      (route.page === "institution" || route.page === "register") && session.status === "loading"
        ? { slug: route.slug }
        : skipToken,
    ),
  );

  if (isPublicAccountPage(route)) return <PublicAccount page={route.page} />;

  switch (session.status) {
    case "loading":
      return <Loading />;
    case "error":
      return (
        <LearnerShell>
          <PageHeader title="The learner portal could not be opened" />
          <ErrorState error={session.error} onRetry={session.retry} />
        </LearnerShell>
      );
    case "signedIn":
      // An institution's sign-in and registration pages have nothing for someone signed in: their home does.
      switch (route.page) {
        case "home":
        case "catalogue":
        case "course":
        case "lesson":
          return <SignedInPage session={session.session} route={route} />;
        case "sessions":
        case "password":
          return <SignedInPage session={session.session} route={{ page: route.page }} />;
      }
      return <Redirect to={basePath} />;
    case "signedOut": {
      if (route.page === "institution") return <InstitutionPage slug={route.slug} notice={session.notice} />;
      if (route.page === "register") {
        return (
          <Suspense fallback={<Loading />}>
            <RegisterPage slug={route.slug} />
          </Suspense>
        );
      }
      // A session that just ended sends the learner back to their institution's sign-in page.
      const slug = session.notice?.institutionSlug;
      if (slug) return <Redirect to={institutionHref(slug)} />;
      if (route.page !== "home") return <Redirect to={basePath} />;
      return <DirectoryPage notice={session.notice} />;
    }
  }
}
