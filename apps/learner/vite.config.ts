import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The API serves this build at /learn/ (apps/api/src/web-apps.ts). `vite dev` forwards /trpc to a running
// platform (`pnpm start`), so the app talks to real data in development too.
export default defineConfig({
  base: "/learn/",
  plugins: [react()],
  server: {
    port: 5173,
    proxy: { "/trpc": process.env.LEARNOPS_API_URL ?? "http://localhost:3000" },
  },
});
