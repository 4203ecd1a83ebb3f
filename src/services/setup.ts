// `npm run setup`: installs what the system needs beyond npm packages (the Temporal CLI) into the
// project cache, so that `npm start` and `npm test` start quickly and offline afterwards.
import { readEnv } from '../config';
import { resolveTemporalCli } from './temporal-cli';

const env = readEnv();
const started = Date.now();
const cli = await resolveTemporalCli({ cliPath: env.TEMPORAL_CLI_PATH, cacheDir: env.RESYNC_CACHE_DIR, log: (line) => console.log(line) });
console.log(`Temporal CLI: ${cli.path ?? '(the SDK will download it at first use)'} via ${cli.route} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
