import type { AppRouter } from "@learnops/api/root";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { type ReactNode, useState } from "react";
import { describeApiError } from "./api-errors.ts";

const trpcContext = createTRPCContext<AppRouter>();
const { TRPCProvider } = trpcContext;

/** Option factories for every procedure, typed from AppRouter: `useQuery(trpc.institutions.directory.queryOptions())`. */
export const useTRPC = trpcContext.useTRPC;

/** The plain tRPC client, for the rare call that is neither a query nor a mutation hook. */
export const useTRPCClient = trpcContext.useTRPCClient;

function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // Network blips and 5xx are retried twice; refusals (4xx) are final.
        retry: (failureCount, error) => describeApiError(error).retryable && failureCount < 2,
      },
      mutations: { retry: false },
    },
  });
}

export interface ApiProviderProps {
  children: ReactNode;
  /** Where the tRPC endpoint lives; the API serves the apps, so same-origin `/trpc` by default. */
  url?: string;
}

/** Gives its subtree one QueryClient and one tRPC client; `useTRPC()` works anywhere below it. */
export function ApiProvider({ children, url = "/trpc" }: ApiProviderProps) {
  // useState, not module scope: one client per mounted app, never shared between tests or renders.
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(() => createTRPCClient<AppRouter>({ links: [httpBatchLink({ url })] }));
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
