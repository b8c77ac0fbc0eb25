import { type ReactNode, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiProvider } from "./api-provider.tsx";
import { SessionProvider } from "./session.tsx";

/** Renders an app into its page's `#root`, inside the API and session providers every LearnOps app needs. */
export function mountApp(app: ReactNode): void {
  const container = document.getElementById("root");
  if (!container) throw new Error("index.html has no #root element to render the app into");
  createRoot(container).render(
    <StrictMode>
      <ApiProvider>
        <SessionProvider>{app}</SessionProvider>
      </ApiProvider>
    </StrictMode>,
  );
}
