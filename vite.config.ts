// The renderer build: renderer/ → dist/renderer, relative asset URLs so both shells (Electron's app:// protocol
// and the browser shell's static server) serve the same files.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome130',
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
  },
  server: { port: 5173, strictPort: true, host: '127.0.0.1' },
});
