// `npm test`'s first step: installs what the tests need beyond npm packages, as `npm start` does
// for itself, so that the test command works on a fresh machine. Each step is quick once done:
// the Temporal CLI (dev server), Chromium (browser tests) and the production Temporal server build
// (npm run test:production; skipped when TEMPORAL_ADDRESS points at a running Temporal).
import { readEnv } from '../../src/config';
import { ensureChromium } from '../../src/services/chromium';
import { resolveTemporalCli } from '../../src/services/temporal-cli';
import { ensureProductionBuild } from '../../src/services/temporal-production-server';

const say = (line: string) => console.log(`[test setup] ${line}`);

async function step<T>(what: string, action: () => Promise<T>, describe: (result: T) => string): Promise<void> {
  const started = Date.now();
  const result = await action();
  say(`${what}: ${describe(result)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

try {
  const env = readEnv();
  await step('Temporal CLI', () => resolveTemporalCli({ cliPath: env.TEMPORAL_CLI_PATH, cacheDir: env.RESYNC_CACHE_DIR, log: say }),
    (cli) => `${cli.path ?? 'the SDK will download it'} (${cli.route})`);
  await step('Chromium', () => ensureChromium({ chromiumPath: env.CHROMIUM_PATH, log: say }), (path) => path);
  if (env.TEMPORAL_ADDRESS) say(`Temporal server build: not needed (TEMPORAL_ADDRESS=${env.TEMPORAL_ADDRESS})`);
  else await step('Temporal server build', () => ensureProductionBuild(env.RESYNC_CACHE_DIR, say), (build) => build.serverBin);
} catch (error) {
  console.error(`[test setup] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
