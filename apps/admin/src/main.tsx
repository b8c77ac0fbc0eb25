import "@learnops/ui/theme.css";
import "./admin.css";
import { ApiProvider } from "@learnops/ui/api-provider";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.tsx";

const container = document.getElementById("root");
if (!container) throw new Error("index.html has no #root element to render the admin console into");

createRoot(container).render(
  <StrictMode>
    <ApiProvider>
      <App />
    </ApiProvider>
  </StrictMode>,
);
