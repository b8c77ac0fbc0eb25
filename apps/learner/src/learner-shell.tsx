import { AppShell, type AppShellProps } from "@learnops/ui/components";
import { basePath } from "./routes.ts";

/** The learner portal's frame: every page has it, in the institution's colours once one is known. */
export function LearnerShell(props: Omit<AppShellProps, "appName" | "homeHref">) {
  return <AppShell appName="Learner portal" homeHref={basePath} {...props} />;
}
