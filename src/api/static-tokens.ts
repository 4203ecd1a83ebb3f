// Static bearer tokens from RESYNC_API_TOKENS (the demo's, and simple deployments'):
//   token=state                          the state, named "state", Read and Write
//   token=district:1001                  district 1001, named "district:1001", Read and Write
//   token=district:1001:Jane Doe         ... named Jane Doe
//   token=district:1001:Jane Doe/read    ... with Read rights only (/write: Read and Write)
//   token=state:Ann Lee/read             a state user with Read rights
// Entries are separated by ";". A name cannot contain ";" or "="; one ending in /read or /write
// is read as the rights.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isValidDistrictId } from '../domain';
import { READ_WRITE, rightsOf, type Principal, type ToolRight } from '../identity/principal';

export interface TokenTable {
  readonly entries: readonly { digest: Buffer; principal: Principal }[];
}

const digest = (token: string) => createHash('sha256').update(token).digest();

const MAX_NAME = 100;

/** "district:1001:Jane Doe/read" → the principal it stands for. @throws Error naming the problem */
function principalOf(spec: string): Principal {
  const rightsMatch = /\/(read|write)$/.exec(spec);
  const rights = rightsMatch ? rightsOf(rightsMatch[1] as ToolRight) : READ_WRITE;
  const subject = rightsMatch ? spec.slice(0, -rightsMatch[0].length) : spec;
  const [role = '', ...rest] = subject.split(':');
  const districtId = role === 'district' ? (rest.shift() ?? '') : undefined;
  const name = rest.join(':').trim();
  if (name.length > MAX_NAME) throw new Error(`RESYNC_API_TOKENS: the name "${name.slice(0, 20)}…" is longer than ${MAX_NAME} characters`);
  if (role === 'state') {
    const label = name || 'state';
    return { role: 'state', name: label, id: `token:state${name ? `:${name}` : ''}`, rights };
  }
  if (role === 'district' && districtId !== undefined && isValidDistrictId(districtId)) {
    const label = name || `district:${districtId}`;
    return { role: 'district', districtId, name: label, id: `token:district:${districtId}${name ? `:${name}` : ''}`, rights };
  }
  throw new Error(`RESYNC_API_TOKENS: unknown role "${subject}" (use state[:<name>] or district:<id>[:<name>], optionally ending in /read or /write)`);
}

/** Parses RESYNC_API_TOKENS. @throws Error naming the first bad entry */
export function parseTokens(spec: string): TokenTable {
  const entries = spec.split(';').map((part) => part.trim()).filter(Boolean).map((part) => {
    const at = part.indexOf('=');
    const token = part.slice(0, at).trim();
    if (at <= 0 || token.length < 8) throw new Error('RESYNC_API_TOKENS: each entry is token=role with a token of 8+ characters');
    return { digest: digest(token), principal: principalOf(part.slice(at + 1).trim()) };
  });
  return { entries };
}

/** The principal of a static token, if it is one. Compares against every entry, in constant time
 *  each, so timing says nothing about the tokens. */
export function lookupToken(table: TokenTable, token: string): Principal | undefined {
  const candidate = digest(token);
  let found: Principal | undefined;
  for (const entry of table.entries) if (timingSafeEqual(entry.digest, candidate)) found = entry.principal;
  return found;
}
