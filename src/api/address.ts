// Where the API listens (API_HOST:PORT, loopback by default) and the URL a local client uses to
// reach it: a wildcard bind (0.0.0.0, ::) is reached through loopback.
import type { Env } from '../config';

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** A host as it goes in a URL: IPv6 literals in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The API's base URL for clients on this machine, e.g. `http://127.0.0.1:3000` (no trailing slash). */
export function localApiUrl(env: Pick<Env, 'API_HOST' | 'PORT'>): string {
  return `http://${urlHost(WILDCARDS.has(env.API_HOST) ? '127.0.0.1' : env.API_HOST)}:${env.PORT}`;
}
