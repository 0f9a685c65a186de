import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The console is served by Shopfloor itself at /console (src/adapters/http/console-route.ts). `npm run console:dev`
// runs Vite's dev server instead, proxying the RPCs to a running backend (SHOPFLOOR_URL, default localhost:8080).
const backend = process.env.SHOPFLOOR_URL ?? "http://localhost:8080";

export default defineConfig({
  root: import.meta.dirname,
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: "../dist/console",
    emptyOutDir: true,
    // Hashed file names: the server caches everything under assets/ for a year and index.html not at all.
    assetsDir: "assets",
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { "^/shopfloor\\.": { target: backend, changeOrigin: true } },
  },
});
