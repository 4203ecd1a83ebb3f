// Who is asking, and what they may do. A bearer token is a static token (RESYNC_API_TOKENS,
// static-tokens.ts) or a JWT of the trusted issuer (jwt.ts). A state user reaches every district,
// a district user only its own; Read rights let a user see, Write rights let them send and cancel.
import type { Request, RequestHandler } from 'express';
import { mayWrite, type Principal } from '../identity/principal';
import type { JwtVerifier } from './jwt';
import { looksLikeJwt } from './jwt';
import { forbidden, HttpProblem } from './problem';
import { lookupToken, type TokenTable } from './static-tokens';

export type { Principal, ToolRight } from '../identity/principal';
export { parseTokens, type TokenTable } from './static-tokens';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export interface Authenticators {
  readonly tokens: TokenTable;
  /** JWTs of the trusted issuer; absent: static tokens only. */
  readonly jwt?: JwtVerifier | undefined;
}

/** How to get a token, as the 401 detail says it. */
export function tokenHint(authenticators: Authenticators): string {
  const jwt = authenticators.jwt ? `${authenticators.jwt.trust.howToGetOne}, or ` : '';
  return `${jwt}use a token of RESYNC_API_TOKENS (a demo npm start prints them and writes them to api-tokens.json in its data directory)`;
}

export function authenticate(authenticators: Authenticators): RequestHandler {
  const hint = tokenHint(authenticators);
  const refuse = (detail: string) => new HttpProblem(401, 'Unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer realm="state-resync"' });
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) return next(refuse(`send a token as "Authorization: Bearer <token>": ${hint}`));
    const principal = lookupToken(authenticators.tokens, token);
    if (principal) {
      req.principal = principal;
      return next();
    }
    if (!authenticators.jwt || !looksLikeJwt(token)) return next(refuse(`the bearer token is not valid: ${hint}`));
    authenticators.jwt.verify(token).then((verified) => {
      req.principal = verified;
      next();
    }, next);
  };
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new HttpProblem(401, 'Unauthorized', 'not authenticated');
  return req.principal;
}

export function assertDistrictAccess(principal: Principal, districtId: string): void {
  if (principal.role === 'district' && principal.districtId !== districtId) {
    throw forbidden(`this token may only access district ${principal.districtId}`);
  }
}

export function assertState(principal: Principal): void {
  if (principal.role !== 'state') throw forbidden('only state users may do this');
}

/** What a Write route does, as its refusal of a Read-only user names it. */
export type WriteAction = 'sending or cancelling a resync' | 'changing a district\'s settings';

/** The detail a Write route answers a Read-only user with: who, their right, and what needs Write. */
export function writeRefusal(principal: Pick<Principal, 'name'>, action: WriteAction = 'sending or cancelling a resync'): string {
  return `this user (${principal.name}) has Read rights on the Resync State Data tool; ${action} needs Write`;
}

/** @throws HttpProblem 403 unless the principal has Write rights */
export function assertWrite(principal: Principal, action?: WriteAction): void {
  if (!mayWrite(principal)) throw forbidden(writeRefusal(principal, action));
}

/** Route middleware: only users with Write rights pass; a Read-only user's 403 names `action`. */
export const requireWriteTo = (action: WriteAction): RequestHandler => (req, _res, next) => {
  assertWrite(principalOf(req), action);
  next();
};

/** Route middleware: only users with Write rights pass (sending, cancelling). */
export const requireWrite: RequestHandler = requireWriteTo('sending or cancelling a resync');
