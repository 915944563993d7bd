import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * The dashboard's build: web/ is the root, the bundle goes to dist/web where the server serves it.
 * For development, run `detente serve` and `npx vite --config web/vite.config.ts`: the dev server
 * proxies /api to 127.0.0.1:8080 (or DETENTE_API).
 */
export default defineConfig({
  root,
  base: "/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { "/api": process.env.DETENTE_API ?? "http://127.0.0.1:8080" },
  },
});
