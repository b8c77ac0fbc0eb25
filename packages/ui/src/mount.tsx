import { type ReactNode, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiProvider } from "./api-provider.tsx";

/** Renders an app into its page's `#root`, inside the API provider every LearnOps app needs. */
export function mountApp(app: ReactNode): void {
  const container = document.getElementById("root");
  if (!container) throw new Error("index.html has no #root element to render the app into");
  createRoot(container).render(
    <StrictMode>
      <ApiProvider>{app}</ApiProvider>
    </StrictMode>,
  );
}
