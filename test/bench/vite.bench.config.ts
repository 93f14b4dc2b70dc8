import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'test/bench/grid-page',
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: { outDir: '../../../dist/bench-grid', emptyOutDir: true, target: 'chrome130', chunkSizeWarningLimit: 4000 },
});
