import { AppShell, LoadingState } from "@learnops/ui/components";
import { lazy, Suspense } from "react";
import { DirectoryPage } from "./directory-page.tsx";
import { basePath, routeFor } from "./routes.ts";

// Most visitors only ever see the directory; an institution's page loads as its own chunk.
const InstitutionPage = lazy(() => import("./institution-page.tsx"));

export function App() {
  const route = routeFor(window.location.pathname);
  return (
    <AppShell appName="Learner portal" homeHref={basePath}>
      {route.page === "directory" ? (
        <DirectoryPage />
      ) : (
        <Suspense fallback={<LoadingState label="Loading…" />}>
          <InstitutionPage slug={route.slug} />
        </Suspense>
      )}
    </AppShell>
  );
}
