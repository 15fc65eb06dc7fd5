import path from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The API process serves web/dist at /, so the app lives at the root and talks to
// /v1 on its own origin; in development Vite forwards those paths to the API.
const api = "http://localhost:4000";

export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [react()],
  build: {
    outDir: path.join(import.meta.dirname, "dist"),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: {
      "/v1": api,
      "/health": api,
      "/openapi.json": api,
      "/docs": api,
    },
  },
});
