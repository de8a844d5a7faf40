import { defineConfig } from "vite";

// Tauri serves the built files; no dev server is involved in `make run`.
export default defineConfig({
  clearScreen: false,
  build: { target: "safari15", outDir: "dist", emptyOutDir: true },
});
