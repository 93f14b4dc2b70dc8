// Bundles of the Electron side: the main process (ESM, Node target, dependencies left to node_modules) and the
// preload (one CommonJS file: a sandboxed preload can require nothing but 'electron'). Output in dist-electron/.
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

const target = process.env.ELECTRON_BUILD_TARGET ?? 'main';
const external = [
  'electron',
  'electron-updater',
  'better-sqlite3',
  '@node-rs/argon2',
  'exceljs',
  'pdfkit',
  'bwip-js',
  'bwip-js/node',
  'express',
  'uuid',
  'zod',
  'tsx',
  'tsx/esm/api',
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
];

export default defineConfig(
  target === 'preload'
    ? {
        build: {
          outDir: 'dist-electron/preload',
          emptyOutDir: true,
          minify: false,
          lib: { entry: 'preload/index.ts', formats: ['cjs'], fileName: () => 'preload.cjs' },
          rollupOptions: { external: ['electron'] },
        },
      }
    : {
        build: {
          ssr: true,
          outDir: 'dist-electron',
          emptyOutDir: false,
          minify: false,
          target: 'node20',
          rollupOptions: {
            input: {
              'main/electron/main': 'main/electron/main.ts',
              // next to main.js: the services host (bundled into main.js) starts ./worker-entry.js beside itself
              'main/electron/worker-entry': 'main/services/worker-entry.ts',
              'main/channel-handlers/screen-handlers': 'main/channel-handlers/screen-handlers.ts',
              'main/channel-handlers/attachment-handlers': 'main/channel-handlers/attachment-handlers.ts',
            },
            external,
            output: { format: 'es', entryFileNames: '[name].js' },
          },
        },
      },
);
