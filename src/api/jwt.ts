// OIDC / JWT bearer tokens: verified with jose against the identity provider's key set (JWKS),
// its issuer and this API's audience, then mapped to a principal by their claims. Each way a token
// can be wrong gets its own 401 detail, so that whoever set up the identity provider can tell a
// wrong audience from an expired token; a valid token that does not make a user of this tool
// (no role, no rights) is a 403.
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Env } from '../config';
import { principalFromClaims, type ClaimNames, DEFAULT_CLAIMS } from '../identity/claims';
import { DEMO_AUDIENCE, DEMO_ISSUER, demoIssuerFiles, demoKeySet } from '../identity/demo-issuer';
import type { Principal } from '../identity/principal';
import { forbidden, HttpProblem } from './problem';

export interface JwtTrust {
  /** The `iss` a token must carry. */
  readonly issuer: string;
  /** The `aud` a token must carry (one of). */
  readonly audience: string;
  /** The issuer's public keys. */
  readonly keys: JWTVerifyGetKey;
  /** Where the keys come from, for messages: the JWKS URL or the demo key set's file. */
  readonly keysFrom: string;
  readonly claims: ClaimNames;
  /** How a user gets a token, for the 401 detail. */
  readonly howToGetOne: string;
}

/** Allowed clock difference between the identity provider and this API, in seconds. */
const CLOCK_TOLERANCE_SECONDS = 30;

/** Signature algorithms accepted: asymmetric only (a shared-secret token could be forged by anyone
 *  who can verify one). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

const unauthorized = (detail: string) => new HttpProblem(401, 'Unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer realm="state-resync", error="invalid_token"' });

/** Whether a bearer token has the shape of a JWT (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

function keyIdOf(token: string): string {
  try {
    return decodeProtectedHeader(token).kid ?? '(none)';
  } catch {
    return '(unreadable)';
  }
}

export class JwtVerifier {
  constructor(readonly trust: JwtTrust) {}

  /**
   * @returns the principal the token stands for
   * @throws HttpProblem 401 (not a valid token of the trusted issuer, with the reason), 403 (valid,
   *   but its claims make no user of this tool), 503 (the issuer's keys could not be fetched)
   */
  async verify(token: string): Promise<Principal> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.trust.keys, {
        issuer: this.trust.issuer, audience: this.trust.audience, algorithms: ALGORITHMS, clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      throw this.problemOf(error, token);
    }
    const mapped = principalFromClaims(payload, this.trust.claims, this.trust.issuer);
    if ('problem' in mapped) throw forbidden(mapped.problem);
    return mapped.principal;
  }

  private problemOf(error: unknown, token: string): HttpProblem {
    const { issuer, audience, keysFrom } = this.trust;
    if (error instanceof errors.JWTExpired) {
      const exp = typeof error.payload.exp === 'number' ? ` at ${new Date(error.payload.exp * 1000).toISOString()}` : '';
      return unauthorized(`the token expired${exp}: get a new one`);
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      const value = error.payload[error.claim];
      if (error.claim === 'iss') return unauthorized(`the token was issued by ${JSON.stringify(value ?? null)}, not by the trusted issuer "${issuer}"`);
      if (error.claim === 'aud') return unauthorized(`the token is for the audience ${JSON.stringify(value ?? null)}, not for "${audience}"`);
      if (error.claim === 'nbf') return unauthorized('the token is not valid yet (nbf is in the future)');
      return unauthorized(`the token's ${error.claim} claim is ${error.reason === 'missing' ? 'missing' : 'invalid'}: ${error.message}`);
    }
    if (error instanceof errors.JWKSNoMatchingKey) {
      return unauthorized(`the token is signed with the key "${keyIdOf(token)}", which is not among the trusted issuer's keys (${keysFrom})`);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return unauthorized(`the token's signature does not verify with the trusted issuer's key "${keyIdOf(token)}": it was altered or signed by someone else`);
    }
    if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
      return unauthorized(`the token's signature algorithm is not accepted (${error.message}); accepted: ${ALGORITHMS.join(', ')}`);
    }
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
      return unauthorized(`the token is not a valid signed JWT: ${error.message}`);
    }
    if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
      return new HttpProblem(503, 'Identity Provider Unavailable',
        `the trusted issuer's keys (${keysFrom}) could not be read: ${error instanceof Error ? error.message : String(error)}`, {}, { 'Retry-After': '5' });
    }
    return unauthorized(`the token is not valid: ${error.message}`);
  }
}

/** What a user is told to do to get a token, when the API trusts this issuer. */
function oidcHint(issuer: string): string {
  return `sign in with ${issuer} and send its access token`;
}

export const DEMO_TOKEN_HINT = 'mint one with `npx resync token --district <id>` (or `--state`) on the machine running npm start';

/**
 * The JWT issuer the API trusts, from the environment: the configured OIDC issuer, else the demo
 * issuer under the data directory (unless RESYNC_DEMO=0), else none (static tokens only).
 */
export function jwtTrustFromEnv(env: Pick<Env,
  'RESYNC_OIDC_ISSUER' | 'RESYNC_OIDC_AUDIENCE' | 'RESYNC_OIDC_JWKS_URL' | 'RESYNC_OIDC_NAME_CLAIM' | 'RESYNC_OIDC_ROLE_CLAIM'
  | 'RESYNC_OIDC_DISTRICT_CLAIM' | 'RESYNC_OIDC_RIGHTS_CLAIM' | 'RESYNC_DEMO' | 'RESYNC_DATA_DIR'>): JwtTrust | undefined {
  if (env.RESYNC_OIDC_ISSUER && env.RESYNC_OIDC_AUDIENCE && env.RESYNC_OIDC_JWKS_URL) {
    return {
      issuer: env.RESYNC_OIDC_ISSUER,
      audience: env.RESYNC_OIDC_AUDIENCE,
      keys: createRemoteJWKSet(new URL(env.RESYNC_OIDC_JWKS_URL), { timeoutDuration: 5000 }),
      keysFrom: env.RESYNC_OIDC_JWKS_URL,
      claims: {
        name: env.RESYNC_OIDC_NAME_CLAIM, role: env.RESYNC_OIDC_ROLE_CLAIM, district: env.RESYNC_OIDC_DISTRICT_CLAIM, rights: env.RESYNC_OIDC_RIGHTS_CLAIM,
      },
      howToGetOne: oidcHint(env.RESYNC_OIDC_ISSUER),
    };
  }
  if (env.RESYNC_DEMO === '0') return undefined;
  return demoTrust(env.RESYNC_DATA_DIR);
}

/** The demo issuer (src/identity/demo-issuer.ts) under a data directory. */
export function demoTrust(dataDir: string): JwtTrust {
  return {
    issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, keys: demoKeySet(dataDir), keysFrom: demoIssuerFiles(dataDir).jwks,
    claims: DEFAULT_CLAIMS, howToGetOne: DEMO_TOKEN_HINT,
  };
}
