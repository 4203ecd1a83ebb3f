// Builds the tool page (src/web → dist/web) with Vite. `npm run build:web` builds it; `npm start`
// and the test run's global setup call ensureWebBuilt(), which rebuilds only when the sources
// changed since the last build, so the page served is never older than its sources.
import { createHash } from 'node:crypto';
import { access, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { UserConfig } from 'vite';
import { WEB_BUNDLE_DIR, WEB_SOURCE_DIR } from './paths';

/** The fingerprint of the sources the bundle was built from; beside dist/web, so never served. */
const FINGERPRINT_FILE = `${WEB_BUNDLE_DIR}.sources`;

/** A sha256 (hex) over every file under src/web (path and content) and the pinned Vite version. */
export async function webSourcesFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  const entries = await readdir(WEB_SOURCE_DIR, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name)).sort();
  for (const file of files) {
    hash.update(`${path.relative(WEB_SOURCE_DIR, file)}\0`);
    hash.update(await readFile(file));
    hash.update('\0');
  }
  const manifest = JSON.parse(await readFile(path.join(WEB_SOURCE_DIR, '..', '..', 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  hash.update(`vite@${manifest.devDependencies?.vite ?? '?'}`);
  return hash.digest('hex');
}

const exists = (file: string) => access(file).then(() => true, () => false);

/**
 * Builds the page into dist/web. The new bundle is built aside and swapped in, so a concurrent
 * build in the same checkout (`npm start` beside `npm test`) or a running API never sees half a
 * bundle. Throws Vite's error when the page does not compile.
 */
export async function buildWeb(fingerprint?: string): Promise<void> {
  const sources = fingerprint ?? (await webSourcesFingerprint());
  const [{ build }, { default: config }] = await Promise.all([import('vite'), import('./vite.config')]);
  const staging = `${WEB_BUNDLE_DIR}.${process.pid}.staging`;
  const retired = `${WEB_BUNDLE_DIR}.${process.pid}.old`;
  await rm(staging, { recursive: true, force: true });
  const viteConfig = config as UserConfig;
  await build({ ...viteConfig, configFile: false, build: { ...viteConfig.build, outDir: staging } });
  await rename(WEB_BUNDLE_DIR, retired).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  try {
    await rename(staging, WEB_BUNDLE_DIR);
  } catch (error) {
    // Another build swapped its bundle in first: same sources, same bundle; keep that one.
    if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    await rm(staging, { recursive: true, force: true });
  }
  await writeFile(FINGERPRINT_FILE, `${sources}\n`);
  await rm(retired, { recursive: true, force: true });
}

/** Builds the page unless dist/web was built from the current sources. Resolves to what it did. */
export async function ensureWebBuilt(): Promise<'built' | 'up to date'> {
  const fingerprint = await webSourcesFingerprint();
  const built = await readFile(FINGERPRINT_FILE, 'utf8').then((text) => text.trim(), () => null);
  if (built === fingerprint && (await exists(path.join(WEB_BUNDLE_DIR, 'index.html')))) return 'up to date';
  await buildWeb(fingerprint);
  return 'built';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  buildWeb().then(
    () => console.log(`[build:web] ${path.relative(process.cwd(), WEB_BUNDLE_DIR) || WEB_BUNDLE_DIR} built in ${((Date.now() - started) / 1000).toFixed(1)} s`),
    (error: unknown) => {
      console.error(`[build:web] failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
