import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

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
  server: {
    // `hogsend dev --studio-hmr` proxies /studio here; the API stays on its own port behind the same origin.
    strictPort: true,
  },
});
