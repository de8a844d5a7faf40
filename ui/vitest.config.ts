import { defineConfig } from "vitest/config";
import solid from "vite-plugin-solid";

// Unit tests cover the UI's logic and components (progress, drops, the virtualised grid); the
// real window is tested end-to-end through WebDriver.
export default defineConfig({
  plugins: [solid()],
  test: { environment: "node", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
  resolve: { conditions: ["development", "browser"] },
});
