import { defineConfig } from "vitest/config";

// Unit tests cover the UI's logic (progress, drops, wording); the real window is tested
// end-to-end through WebDriver.
export default defineConfig({
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
