// Who is calling: a person (or, for the demo's static tokens, a role) with the role they act in
// (the state, or one district) and their tool rights on the Resync State Data tool (DESIGN §2.13:
// Read views the tool and its results; Write sends and cancels resyncs).

export type ToolRight = 'read' | 'write';

interface PrincipalBase {
  /** The person's display name: what "requested by" and "cancelled by <who>" show. */
  readonly name: string;
  /** A stable key for the user (their read alerts, their rate limit): `jwt:<issuer>#<sub>` or
   *  `token:<role>[:<name>]` for a static token. Never shown. */
  readonly id: string;
  /** ['read'] or ['read', 'write']: Write implies Read. */
  readonly rights: readonly ToolRight[];
}

export type Principal =
  | (PrincipalBase & { readonly role: 'state' })
  | (PrincipalBase & { readonly role: 'district'; readonly districtId: string });

export const READ_ONLY: readonly ToolRight[] = ['read'];
export const READ_WRITE: readonly ToolRight[] = ['read', 'write'];

/** The rights a level grants: write includes read. */
export function rightsOf(level: ToolRight): readonly ToolRight[] {
  return level === 'write' ? READ_WRITE : READ_ONLY;
}

export function mayWrite(principal: Pick<Principal, 'rights'>): boolean {
  return principal.rights.includes('write');
}

/** "district 1001" or "the state": whom a principal acts for, in messages. */
export function actingFor(principal: Principal): string {
  return principal.role === 'state' ? 'the state' : `district ${principal.districtId}`;
}
