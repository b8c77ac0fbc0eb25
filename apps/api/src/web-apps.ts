import { existsSync } from "node:fs";
import path from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Env, Hono } from "hono";

/** Each web app's public path and its folder under apps/. */
export const webApps = [
  { prefix: "/learn", folder: "learner" },
  { prefix: "/teach", folder: "instructor" },
  { prefix: "/admin", folder: "admin" },
] as const;

/**
 * Serves each built single-page app under its prefix: files as they are, any other path under the prefix
 * gets the app's index.html so client-side routes survive a reload. Hashed assets are cached for a year;
 * index.html is revalidated so a new deploy is picked up at once. Returns the apps that had no build.
 */
export function mountWebApps<E extends Env>(app: Hono<E>, appsDir: string): string[] {
  const missing: string[] = [];
  for (const { prefix, folder } of webApps) {
    const root = path.join(appsDir, folder, "dist");
    if (!existsSync(path.join(root, "index.html"))) missing.push(folder);

    app.get(prefix, (c) => c.redirect(`${prefix}/`, 301));
    // Set after the fact: serveStatic builds its response before its onFound hook could add headers.
    app.use(`${prefix}/*`, async (c, next) => {
      await next();
      if (c.res.status !== 200) return;
      const immutable = c.req.path.startsWith(`${prefix}/assets/`);
      c.res.headers.set("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    });
    app.use(
      `${prefix}/*`,
      serveStatic({ root, rewriteRequestPath: (requestPath) => requestPath.slice(prefix.length) }),
    );
    app.get(`${prefix}/*`, serveStatic({ root, path: "index.html" }));
  }
  return missing;
}
