import { useTRPC } from "@learnops/ui/api-provider";
import { ErrorState, LoadingState, PageHeader } from "@learnops/ui/components";
import { AppLink } from "@learnops/ui/navigation";
import { type SessionNotice, SignInForm } from "@learnops/ui/session";
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { LearnerShell } from "./learner-shell.tsx";
import { basePath, registerHref } from "./routes.ts";

/** One institution's sign-in page, in its colours: signing in here acts in the membership at this institution. */
export function InstitutionPage({ slug, notice }: { slug: string; notice: SessionNotice | null }) {
  const trpc = useTRPC();
  const institution = useQuery(trpc.institutions.bySlug.queryOptions({ slug }));
  const name = institution.data?.displayName;

  useEffect(() => {
    if (name) document.title = `Sign in · ${name} · LearnOps`;
    else if (institution.isError) document.title = "Institution could not be opened · LearnOps";
  }, [name, institution.isError]);

  if (institution.isPending) {
    return (
      <LearnerShell>
        <LoadingState label="Loading the institution…" />
      </LearnerShell>
    );
  }
  if (institution.isError) {
    return (
      <LearnerShell>
        <PageHeader title="This institution could not be opened" />
        <ErrorState error={institution.error} onRetry={() => void institution.refetch()} />
        <p>
          Check the address you were given, or <AppLink href={basePath}>choose your institution from the list</AppLink>.
        </p>
      </LearnerShell>
    );
  }

  return (
    <LearnerShell institution={institution.data}>
      <SignInForm
        title="Sign in"
        lead={`Continue your courses with ${institution.data.displayName}.`}
        institutionSlug={institution.data.slug}
        notice={notice}
      />
      {institution.data.selfRegistration ? (
        <p className="sign-in-aside">
          New to {institution.data.displayName}?{" "}
          <AppLink href={registerHref(institution.data.slug)}>Create an account</AppLink>
        </p>
      ) : null}
      <p className="sign-in-aside">
        Not with {institution.data.displayName}? <AppLink href={basePath}>Choose your institution</AppLink>
      </p>
    </LearnerShell>
  );
}
