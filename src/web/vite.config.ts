// Vite configuration of the tool page: src/web (index.html, styles.css, src/*.ts) → dist/web, a
// static bundle the API serves. `npm run build:web` builds it; `npm start` and the test run build
// it when its sources changed (src/web/build.ts). For front-end work with live reload:
// `npx vite --config src/web/vite.config.ts` (proxies /api to API_URL, default localhost:3000).
import { defineConfig } from 'vite';
import { WEB_BUNDLE_DIR, WEB_SOURCE_DIR } from './paths';

export default defineConfig({
  root: WEB_SOURCE_DIR,
  // Relative asset URLs: the page works wherever the API mounts it.
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: WEB_BUNDLE_DIR,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Every browser the page supports has module preload; the polyfill would only add code.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': process.env.API_URL ?? 'http://localhost:3000' },
  },
});
