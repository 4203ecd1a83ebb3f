// Where the tool page's sources and its built bundle live. Shared by the build (vite.config.ts,
// build.ts) and the API, which serves the bundle; imports nothing heavy.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** src/web: index.html, styles.css and the page's TypeScript under src/. */
export const WEB_SOURCE_DIR = path.dirname(fileURLToPath(import.meta.url));

/** dist/web: the static bundle (git-ignored). */
export const WEB_BUNDLE_DIR = path.resolve(WEB_SOURCE_DIR, '..', '..', 'dist', 'web');
