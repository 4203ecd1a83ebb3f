// The operator CLI talks to the API like any other client: API_URL (default the local API) and a
// token from RESYNC_TOKEN, or, on the machine running `npm start` in demo mode, .data/api-tokens.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { localApiUrl } from '../api/address';
import { ApiError } from './api-error';
import { UsageError } from './usage-error';

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  readonly baseUrl: string;
}

function demoToken(dataDir: string, role: string): string | undefined {
  try {
    const tokens = JSON.parse(readFileSync(path.join(dataDir, 'api-tokens.json'), 'utf8')) as Record<string, string>;
    return tokens[role];
  } catch {
    return undefined;
  }
}

/** The districts the API lists for a token, or undefined when it cannot tell (no answer, refused). */
async function listedDistricts(baseUrl: string, token: string): Promise<string[] | undefined> {
  try {
    const response = await fetch(`${baseUrl}/api/districts`, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) return undefined;
    return ((await response.json()) as { districts: { districtId: string }[] }).districts.map((district) => district.districtId);
  } catch {
    return undefined;
  }
}

/**
 * Why there is no token for `role`. A demo npm start writes one per district it registered, so a
 * district without one is often a district that is not registered at all: the state's demo token,
 * when there is one, asks the API which districts are, and the message says so rather than
 * sending the operator after a token no one can mint.
 */
async function missingTokenError(baseUrl: string, dataDir: string, role: string): Promise<UsageError> {
  const districtId = /^district:(.+)$/.exec(role)?.[1]?.toLowerCase();
  const stateToken = districtId === undefined ? undefined : demoToken(dataDir, 'state');
  const registered = stateToken === undefined ? undefined : await listedDistricts(baseUrl, stateToken);
  if (districtId !== undefined && registered !== undefined && !registered.includes(districtId)) {
    const which = registered.length > 0 ? `the registered districts are ${registered.join(', ')}` : 'no district is registered';
    return new UsageError(`district "${districtId}" is not registered (${which}): seed it with npx resync seed --district ${districtId} --students 500`);
  }
  const mint = districtId === undefined ? '(--district <id> or --state)' : `(--district ${districtId})`;
  return new UsageError(`no API token for ${role}: set RESYNC_TOKEN to a token of your identity provider or, next to npm start, `
    + `to one minted by npx resync token ${mint}; a demo npm start also writes a token per role to ${path.join(dataDir, 'api-tokens.json')} (--as picks one)`);
}

/** A client for API_URL with the caller's token. @throws UsageError when there is no token. */
export async function apiClient(options: { as?: string | undefined } = {}): Promise<ApiClient> {
  // Loaded here, not at the top: the environment schema is only needed once a command runs.
  const { readEnv } = await import('../config');
  const env = readEnv();
  const baseUrl = (env.API_URL ?? localApiUrl(env)).replace(/\/$/, '');
  const role = options.as ?? 'state';
  const token = process.env.RESYNC_TOKEN ?? demoToken(env.RESYNC_DATA_DIR, role);
  if (!token) throw await missingTokenError(baseUrl, env.RESYNC_DATA_DIR, role);
  const call = async <T>(method: string, target: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${target}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new Error(`the API at ${baseUrl} does not answer (is npm start running? set API_URL otherwise)`);
    }
    const parsed: unknown = response.headers.get('content-type')?.includes('json') ? await response.json() : await response.text();
    if (!response.ok) {
      const problem = parsed as { title?: string; detail?: string };
      throw new ApiError(response.status, `${response.status} ${problem.title ?? ''}: ${problem.detail ?? String(parsed)}`, parsed);
    }
    return parsed as T;
  };
  return { baseUrl, get: (target) => call('GET', target), post: (target, body) => call('POST', target, body ?? {}) };
}
