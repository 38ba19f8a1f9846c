import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const API = process.env.HOGSEND_API ?? "http://localhost:3002";

// Studio is served by `hogsend api` at /studio (src/api/studio-routes.ts), so every asset URL is under it.
// `hogsend/client` is this repository's own src/client: types from the server's routes, no server code.
export default defineConfig({
  base: "/studio/",
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: { "hogsend/client": fileURLToPath(new URL("../src/client/index.ts", import.meta.url)) },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  // `npm run dev:studio`: Vite with HMR on :5173/studio/, the api (`npm run dev`, :3002 or HOGSEND_API) behind
  // the same origin through this proxy. Origin is rewritten to the api's own, which it trusts for cookie
  // mutations (CSRF), so the session cookie and every action work as they do on the built Studio.
  server: {
    port: 5173,
    proxy: {
      "/v1": {
        target: API,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on("proxyReq", (request) => {
            if (request.getHeader("origin")) request.setHeader("origin", API);
          });
        },
      },
    },
  },
});
