import { defineConfig } from 'vite';

// Relative asset URLs, so the built page works from any directory it is served from.
export default defineConfig({ base: './', build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 8192 } });
