import { defineConfig } from 'vitest/config';

// Unit tests of the console's pure helpers (masking, money, i18n) and of
// components rendered to HTML on the server (*.test.tsx); the pages are
// tested in a real browser by e2e/console_test.go.
export default defineConfig({
  test: { environment: 'node', include: ['src/**/*.test.ts', 'src/**/*.test.tsx'] },
});
