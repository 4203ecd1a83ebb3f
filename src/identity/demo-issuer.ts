// The demo identity provider: a signing key pair under the data directory, so that a district
// seeded with `npx resync seed` can be used at once. `npm start` creates it; `npx resync token`
// signs with it; the API trusts it when no OIDC issuer is configured (RESYNC_OIDC_ISSUER) and
// RESYNC_DEMO is not 0. The API reads the public key set again whenever the file changes, so a
// key created after the API started is trusted without a restart.
import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  calculateJwkThumbprint, createLocalJWKSet, errors, exportJWK, generateKeyPair, importJWK, SignJWT, type JSONWebKeySet, type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { DEFAULT_CLAIMS } from './claims';
import type { ToolRight } from './principal';

/** The demo issuer's `iss` and the audience its tokens are for. */
export const DEMO_ISSUER = 'urn:state-resync:demo-issuer';
export const DEMO_AUDIENCE = 'state-resync';
const ALGORITHM = 'ES256';

export interface DemoIssuerFiles {
  readonly directory: string;
  /** The private signing key (JWK, mode 0600). */
  readonly signingKey: string;
  /** The public key set (JWKS) the API verifies against. */
  readonly jwks: string;
}

export function demoIssuerFiles(dataDir: string): DemoIssuerFiles {
  const directory = path.join(dataDir, 'demo-issuer');
  return { directory, signingKey: path.join(directory, 'signing-key.json'), jwks: path.join(directory, 'jwks.json') };
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes a file whole or not at all (a reader never sees half of it). */
async function writeAtomically(file: string, text: string, mode: number, onlyIfAbsent: boolean): Promise<void> {
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, text, { mode, flag: 'wx' });
  try {
    // link() refuses an existing target: of two processes creating the key at once, one wins.
    if (onlyIfAbsent) await link(temporary, file);
    else await rename(temporary, file);
  } finally {
    if (onlyIfAbsent) await unlink(temporary).catch(() => {});
  }
}

/**
 * The demo issuer's signing key, created on first use (ES256; its `kid` is its thumbprint), and
 * its public key set written beside it.
 * @returns the private JWK
 */
export async function ensureDemoIssuer(dataDir: string): Promise<JWK> {
  const files = demoIssuerFiles(dataDir);
  await mkdir(files.directory, { recursive: true, mode: 0o700 });
  let key = await readJson<JWK>(files.signingKey);
  if (!key) {
    const pair = await generateKeyPair(ALGORITHM, { extractable: true });
    const created = await exportJWK(pair.privateKey);
    const kid = await calculateJwkThumbprint(created);
    try {
      await writeAtomically(files.signingKey, `${JSON.stringify({ ...created, kid, alg: ALGORITHM, use: 'sig' }, null, 2)}\n`, 0o600, true);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    key = await readJson<JWK>(files.signingKey);
    if (!key) throw new Error(`the demo signing key ${files.signingKey} vanished while it was being created`);
  }
  const { d: _private, ...publicKey } = key;
  const jwks: JSONWebKeySet = { keys: [publicKey] };
  const current = await readJson<JSONWebKeySet>(files.jwks);
  if (JSON.stringify(current) !== JSON.stringify(jwks)) await writeAtomically(files.jwks, `${JSON.stringify(jwks, null, 2)}\n`, 0o644, false);
  return key;
}

export interface DemoTokenRequest {
  readonly role: 'state' | 'district';
  readonly districtId?: string;
  readonly name: string;
  readonly rights: ToolRight;
  /** How long the token is valid: `30m`, `12h`, `7d` (jose's time span syntax). */
  readonly expiresIn: string;
}

export interface DemoToken {
  readonly token: string;
  readonly expiresAt: Date;
  readonly subject: string;
}

/** Signs a demo token with the default claim names (DEFAULT_CLAIMS), creating the key if needed. */
export async function mintDemoToken(dataDir: string, request: DemoTokenRequest): Promise<DemoToken> {
  const key = await ensureDemoIssuer(dataDir);
  const signingKey = await importJWK(key, ALGORITHM);
  const subject = `demo:${request.role === 'state' ? 'state' : `district:${request.districtId ?? ''}`}:${request.name}`;
  const claims: Record<string, unknown> = {
    [DEFAULT_CLAIMS.name]: request.name,
    [DEFAULT_CLAIMS.role]: request.role,
    [DEFAULT_CLAIMS.rights]: request.rights,
    ...(request.role === 'district' ? { [DEFAULT_CLAIMS.district]: request.districtId } : {}),
  };
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid: key.kid ?? '', typ: 'JWT' })
    .setIssuer(DEMO_ISSUER).setAudience(DEMO_AUDIENCE).setSubject(subject)
    .setIssuedAt().setExpirationTime(request.expiresIn).setJti(randomUUID())
    .sign(signingKey);
  const { exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number };
  return { token, expiresAt: new Date(exp * 1000), subject };
}

/**
 * The demo issuer's public keys, as jose's key resolver. Reads the key set again when its file
 * changed (a stat per verification), so keys created after the API started are trusted at once.
 * No file yet: every token is refused as signed by an unknown key.
 */
export function demoKeySet(dataDir: string): JWTVerifyGetKey {
  const { jwks } = demoIssuerFiles(dataDir);
  let loaded: { modified: number; keys: ReturnType<typeof createLocalJWKSet> } | undefined;
  return async (header, token) => {
    const modified = await stat(jwks).then((info) => info.mtimeMs, () => undefined);
    if (modified === undefined) throw new errors.JWKSNoMatchingKey(`no demo issuer key exists yet (${jwks})`);
    if (loaded?.modified !== modified) {
      const keySet = await readJson<JSONWebKeySet>(jwks);
      if (!keySet) throw new errors.JWKSNoMatchingKey(`no demo issuer key exists yet (${jwks})`);
      loaded = { modified, keys: createLocalJWKSet(keySet) };
    }
    return loaded.keys(header, token);
  };
}
