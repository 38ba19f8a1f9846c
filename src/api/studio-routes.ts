import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import type { ApiEnv } from "./api-env.js";

/** Where Studio is served; the Vite build's `base` (studio/vite.config.ts) is the same path. */
export const STUDIO_PATH = "/studio";

/**
 * The built Studio: `dist/studio/` beside the compiled server (what the package and the image ship, copied there
 * by `npm run build`), else `studio/dist/` in this repository (`npm run build -w studio`, or `hogsend dev`,
 * which builds it when it is missing). Undefined when neither exists.
 */
export function findStudioDir(): string | undefined {
  const candidates = [
    fileURLToPath(new URL("../studio/", import.meta.url)),
    fileURLToPath(new URL("../../studio/dist/", import.meta.url)),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, "index.html")));
}

// Vite names every bundled file by its content hash, so a file under assets/ never changes: cache it for a year.
const HASHED = "public, max-age=31536000, immutable";
// index.html names the current hashes: always revalidate it, so a deploy is picked up on the next load.
const ENTRY = "no-cache";

/**
 * `/studio`: the web admin's static files, public (no data in them) and cacheable, with the SPA fallback:
 * any other path under /studio answers index.html, so a deep link (a run, a contact, a message) loads the app,
 * whose router shows the view. Data comes from /v1/admin, behind its own auth; sign-in from /v1/auth.
 */
export function createStudioRoutes(dir: string | undefined = findStudioDir()) {
  const app = new Hono<ApiEnv>();
  const headers = async (c: { header: (name: string, value: string) => void }, file: string) => {
    c.header("Cache-Control", file.includes(`${path.sep}assets${path.sep}`) ? HASHED : ENTRY);
    c.header("X-Content-Type-Options", "nosniff");
    // Studio is never framed (clickjacking); the emails it previews are framed by it, in sandboxed srcdoc frames.
    c.header("Content-Security-Policy", "frame-ancestors 'none'");
    c.header("Referrer-Policy", "same-origin");
  };
  app.get(STUDIO_PATH, (c) => c.redirect(`${STUDIO_PATH}/`, 301));
  if (!dir) {
    app.get(`${STUDIO_PATH}/*`, (c) =>
      c.text(
        "Studio is not built. In the repository run `npm run build -w studio` (hogsend dev builds it for you); the published package ships it.",
        503,
        { "Cache-Control": "no-store" },
      ),
    );
    return app;
  }
  const strip = (p: string) => p.slice(STUDIO_PATH.length) || "/";
  // A missing hashed asset is a 404 (an old tab after a deploy), never index.html served as JavaScript.
  app.get(
    `${STUDIO_PATH}/assets/*`,
    serveStatic({ root: dir, rewriteRequestPath: strip, onFound: (file, c) => headers(c, file) }),
  );
  app.get(`${STUDIO_PATH}/assets/*`, (c) => c.text("Not found", 404, { "Cache-Control": "no-store" }));
  app.get(
    `${STUDIO_PATH}/*`,
    serveStatic({ root: dir, rewriteRequestPath: strip, onFound: (file, c) => headers(c, file) }),
  );
  app.get(
    `${STUDIO_PATH}/*`,
    serveStatic({ root: dir, path: "index.html", onFound: (file, c) => headers(c, file) }),
  );
  return app;
}
