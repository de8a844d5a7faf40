import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

// Tauri serves the built files; no dev server is involved in `make run`.
export default defineConfig({
  plugins: [solid()],
  clearScreen: false,
  build: { target: "safari15", outDir: "dist", emptyOutDir: true },

});
