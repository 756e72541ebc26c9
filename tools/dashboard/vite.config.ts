import { defineConfig } from 'vite';

// The dashboard is served by WAS under /dashboard/ (services/was/src/dashboard): the bundle's URLs start
// there, and every asset gets a content hash in its name, which WAS caches as immutable.
export default defineConfig({
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // One small app: a single chunk loads in one round trip.
    chunkSizeWarningLimit: 300,
  },
});
