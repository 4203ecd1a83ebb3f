// What the API needs, built once at start-up and injected (no module-level singletons).
import type { Resyncs } from '../client/resyncs';
import type { Sql } from '../data/db';
import type { DistrictSources } from '../data/district-sources';
import type { Logger } from '../logging';
import type { Principal, TokenTable } from './auth';
import type { JwtVerifier } from './jwt';
import type { ApiLimits } from './limits';
import type { ApiMetrics } from './metrics';

export interface ApiDeps {
  readonly state: Sql;
  readonly districtSources: DistrictSources;
  readonly resyncs: Resyncs;
  /** Static bearer tokens (RESYNC_API_TOKENS). */
  readonly tokens: TokenTable;
  /** JWT bearer tokens of the trusted issuer (the OIDC provider, or the demo issuer); absent:
   *  static tokens only. */
  readonly jwt?: JwtVerifier | undefined;
  readonly log: Logger;
  readonly metrics: ApiMetrics;
  /** What one caller may start or read (from API_RATE_LIMIT, API_RATE_WINDOW_SECONDS, API_VERIFICATIONS_PER_DISTRICT). */
  readonly limits: ApiLimits;
  /** Answers whether Temporal is reachable (for /healthz). */
  readonly temporalHealthy: () => Promise<boolean>;
  /** Answers whether a worker polls the task queue. */
  readonly workerPolling: () => Promise<boolean>;
  /** Base URL of the Temporal Web UI and the namespace, for links to runs. */
  readonly temporalUi: { readonly url: string | null; readonly namespace: string };
}

/** A link to a run in the Temporal UI — for state users only: the UI shows runs' inputs and
 *  offers Reset and Terminate, which a district user must not reach (DESIGN §2.6). */
export function temporalRunUrl(deps: Pick<ApiDeps, 'temporalUi'>, principal: Pick<Principal, 'role'>, workflowId: string): string | null {
  if (!deps.temporalUi.url || principal.role !== 'state') return null;
  return `${deps.temporalUi.url}/namespaces/${encodeURIComponent(deps.temporalUi.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
