// Bearer tokens from RESYNC_API_TOKENS ("token=state;token=district:1001;…"). A state token
// reaches every district; a district token only its own.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { isValidDistrictId } from '../domain';
import { forbidden, HttpProblem } from './problem';

export type Principal =
  | { readonly role: 'state'; readonly name: string }
  | { readonly role: 'district'; readonly districtId: string; readonly name: string };

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export interface TokenTable {
  readonly entries: readonly { digest: Buffer; principal: Principal }[];
}

const digest = (token: string) => createHash('sha256').update(token).digest();

export function parseTokens(spec: string): TokenTable {
  const entries = spec.split(';').map((part) => part.trim()).filter(Boolean).map((part) => {
    const at = part.indexOf('=');
    const token = part.slice(0, at).trim();
    const role = part.slice(at + 1).trim();
    if (at <= 0 || token.length < 8) throw new Error('RESYNC_API_TOKENS: each entry is token=role with a token of 8+ characters');
    if (role === 'state') return { digest: digest(token), principal: { role: 'state', name: 'state' } as Principal };
    const districtId = role.startsWith('district:') ? role.slice('district:'.length) : '';
    if (!isValidDistrictId(districtId)) throw new Error(`RESYNC_API_TOKENS: unknown role "${role}" (use state or district:<id>)`);
    return { digest: digest(token), principal: { role: 'district', districtId, name: role } as Principal };
  });
  return { entries };
}

function lookup(table: TokenTable, token: string): Principal | undefined {
  const candidate = digest(token);
  // Compare against every entry, in constant time each, so timing says nothing about the tokens.
  let found: Principal | undefined;
  for (const entry of table.entries) if (timingSafeEqual(entry.digest, candidate)) found = entry.principal;
  return found;
}

export function authenticate(table: TokenTable): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = match?.[1] ? lookup(table, match[1]) : undefined;
    if (!principal) {
      res.set('WWW-Authenticate', 'Bearer realm="state-resync"');
      next(new HttpProblem(401, 'Unauthorized', match ? 'the bearer token is not valid' : 'send an API token as "Authorization: Bearer <token>"'));
      return;
    }
    req.principal = principal;
    next();
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
