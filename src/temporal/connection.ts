// How workers and clients reach Temporal: the dev server on its default address, or any cluster
// (self-hosted with mTLS, or Temporal Cloud with an API key) through environment variables alone.
import { readFileSync } from 'node:fs';
import type { Env } from '../config';

export interface TemporalConnectionSettings {
  readonly address: string;
  readonly namespace: string;
  readonly tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  } | boolean;
  readonly apiKey?: string;
}

export function temporalSettings(env: Env): TemporalConnectionSettings {
  const address = env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.TEMPORAL_PORT}`;
  const mtls = env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH
    ? { crt: readFileSync(env.TEMPORAL_TLS_CERT_PATH), key: readFileSync(env.TEMPORAL_TLS_KEY_PATH) }
    : undefined;
  const tls = mtls || env.TEMPORAL_TLS_CA_PATH || env.TEMPORAL_TLS_SERVER_NAME
    ? {
      ...(mtls ? { clientCertPair: mtls } : {}),
      ...(env.TEMPORAL_TLS_CA_PATH ? { serverRootCACertificate: readFileSync(env.TEMPORAL_TLS_CA_PATH) } : {}),
      ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
    }
    // An API key (Temporal Cloud) implies TLS.
    : env.TEMPORAL_API_KEY ? true : undefined;
  return {
    address,
    namespace: env.TEMPORAL_NAMESPACE,
    ...(tls !== undefined ? { tls } : {}),
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
  };
}

/** The options every Temporal connection (worker's native one, API's, CLI's) is built from. */
export interface TemporalConnectionOptions {
  readonly address: string;
  readonly tls?: TemporalConnectionSettings['tls'];
  readonly apiKey?: string;
}

export function connectionOptions(settings: TemporalConnectionSettings): TemporalConnectionOptions {
  return {
    address: settings.address,
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
  };
}
