// All configuration comes from environment variables (DESIGN §3: the same code runs on one machine
// or against a cluster, configured only through the environment). Parsed once, validated, passed on.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_CLAIMS } from './identity/claims';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const port = z.coerce.number().int().min(1).max(65535);
const optionalText = z.string().trim().min(1).optional();
const httpUrl = z.string().trim().url().refine((value) => /^https?:\/\//.test(value), 'an http:// or https:// URL');
const claimName = z.string().trim().regex(/^[A-Za-z0-9_:./-]{1,100}$/, 'a claim name (letters, digits, _ : . / -; a dot reaches into an object)');
const count = z.string().regex(/^[0-9]+$/, 'a whole number in digits').transform(Number).pipe(z.number().int().min(1).max(1_000_000));

const EnvSchema = z.object({
  RESYNC_DATA_DIR: z.string().default(path.join(PROJECT_ROOT, '.data')),
  RESYNC_CACHE_DIR: z.string().default(path.join(PROJECT_ROOT, '.cache')),
  DATABASE_URL: optionalText,
  DISTRICT_DATABASE_URL: optionalText,
  STATE_DATABASE_URL: optionalText,
  // Where a new district's source data goes (src/services/databases.ts): its own database
  // (separate, as in a State Edition) or beside the state's data (colocated).
  RESYNC_TOPOLOGY: z.enum(['separate', 'colocated']).default('separate'),
  RESYNC_PG_PORT: port.default(54329),
  TEMPORAL_ADDRESS: optionalText,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('state-resync'),
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_TLS_CERT_PATH: optionalText,
  TEMPORAL_TLS_KEY_PATH: optionalText,
  TEMPORAL_TLS_CA_PATH: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  TEMPORAL_CLI_PATH: optionalText,
  // The browser tests' Chromium (src/services/chromium.ts); found on PATH or installed otherwise.
  CHROMIUM_PATH: optionalText,
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: optionalText,
  PORT: port.default(3000),
  // Loopback unless configured: every other service binds loopback too.
  API_HOST: z.string().trim().min(1).default('127.0.0.1'),
  API_METRICS_PORT: port.default(9465),
  // What one caller may start or read (src/api/limits.ts).
  API_RATE_LIMIT: count.default(1200),
  API_RATE_WINDOW_SECONDS: count.default(60),
  API_VERIFICATIONS_PER_DISTRICT: count.default(2),
  API_URL: optionalText,
  WORKER_METRICS_PORT: port.default(9464),
  /** The global throttle: districts copying to the state database at once (0: no bound). */
  RESYNC_MAX_ACTIVE_DISTRICTS: z.coerce.number().int().min(0).max(10_000).default(4),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(1000).default(16),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(1).max(1000).default(40),
  RESYNC_API_TOKENS: optionalText,
  // 1: without an OIDC issuer, the API trusts the demo issuer's key under the data directory
  // (src/identity/demo-issuer.ts; `npx resync token` signs with it).
  RESYNC_DEMO: z.enum(['0', '1']).default('1'),
  // OIDC / JWT bearer tokens (src/api/jwt.ts): all three, or none.
  RESYNC_OIDC_ISSUER: optionalText,
  RESYNC_OIDC_AUDIENCE: optionalText,
  RESYNC_OIDC_JWKS_URL: httpUrl.optional(),
  // Which claims carry the name, role, district and tool rights (src/identity/claims.ts).
  RESYNC_OIDC_NAME_CLAIM: claimName.default(DEFAULT_CLAIMS.name),
  RESYNC_OIDC_ROLE_CLAIM: claimName.default(DEFAULT_CLAIMS.role),
  RESYNC_OIDC_DISTRICT_CLAIM: claimName.default(DEFAULT_CLAIMS.district),
  RESYNC_OIDC_RIGHTS_CLAIM: claimName.default(DEFAULT_CLAIMS.rights),
  // Outbound notifications (src/notifications): a URL receives signed JSON events.
  RESYNC_WEBHOOK_URL: httpUrl.optional(),
  RESYNC_WEBHOOK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
}).superRefine((env, context) => {
  const oidc = ['RESYNC_OIDC_ISSUER', 'RESYNC_OIDC_AUDIENCE', 'RESYNC_OIDC_JWKS_URL'] as const;
  const set = oidc.filter((name) => env[name] !== undefined);
  if (set.length > 0 && set.length < oidc.length) {
    for (const name of oidc.filter((candidate) => env[candidate] === undefined)) {
      context.addIssue({ code: 'custom', path: [name], message: `required with ${set.join(' and ')} (set all three, or none)` });
    }
  }
  if (env.RESYNC_WEBHOOK_URL && !env.RESYNC_WEBHOOK_SECRET) {
    context.addIssue({ code: 'custom', path: ['RESYNC_WEBHOOK_SECRET'], message: 'required with RESYNC_WEBHOOK_URL: every delivery is signed with it' });
  }
});

export type Env = z.infer<typeof EnvSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
