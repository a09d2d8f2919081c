// The web console's build (`npm run build:web` → web/dist, served by the API at /) and its
// dev server (`npm run dev:web`), which proxies /graphql (HTTP and WebSocket) and /exports
// to a running API: API_URL, default the API's default address.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  // The dev server's dependency cache stays in web/ (node_modules may be shared).
  cacheDir: '.vite',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed file names under assets/: the API serves them as immutable.
    assetsDir: 'assets',
    chunkSizeWarningLimit: 700,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/exports': { target: api, changeOrigin: true },
    },
  },
});
