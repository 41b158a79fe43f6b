import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console is served by the edge (bin/console) on the same origin as the
// services' APIs. `npm run dev` serves it with hot reload and forwards /api
// to an edge started by `make run`.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', assetsDir: 'assets', sourcemap: true, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
