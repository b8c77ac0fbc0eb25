import { useTRPC } from "@learnops/ui/api-provider";
import { brandStyle } from "@learnops/ui/branding";
import { ErrorState, LoadingState, PageHeader } from "@learnops/ui/components";
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { basePath } from "./routes.ts";

/** One institution's page, in its colours. Sign-in arrives here with learner accounts. */
export default function InstitutionPage({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const institution = useQuery(trpc.institutions.bySlug.queryOptions({ slug }));
  const name = institution.data?.displayName;

  useEffect(() => {
    if (name) document.title = `${name} · LearnOps`;
    else if (institution.isError) document.title = "Institution could not be opened · LearnOps";
  }, [name, institution.isError]);

  if (institution.isPending) return <LoadingState label="Loading the institution…" />;
  if (institution.isError) {
    return (
      <>
        <PageHeader title="This institution could not be opened" />
        <ErrorState error={institution.error} onRetry={() => void institution.refetch()} />
        <p>
          Check the address you were given, or <a href={basePath}>choose your institution from the list</a>.
        </p>
      </>
    );
  }

  return (
    <>
      <div className="institution-banner" style={brandStyle(institution.data.primaryColour)}>
        <h1>{institution.data.displayName}</h1>
      </div>
      <p className="page-lead">
        Learner sign-in is not open yet. When it is, you will sign in here to continue your courses with{" "}
        {institution.data.displayName}.
      </p>
      <p>
        <a href={basePath}>Choose a different institution</a>
      </p>
    </>
  );
}
