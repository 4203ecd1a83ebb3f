// What `npx resync token` does once its command line is parsed: check that this setup accepts
// demo tokens and that the district exists, then sign. Loaded on demand by commands/token.ts.
import { readEnv } from '../../config';
import { findDistrict } from '../../data/district-registry';
import { DEMO_ISSUER, mintDemoToken } from '../../identity/demo-issuer';
import type { ToolRight } from '../../identity/principal';
import { withStateDatabase } from '../state-database';
import { UsageError } from '../usage-error';

export type TokenRequest = ({ role: 'state' } | { role: 'district'; districtId: string }) & {
  readonly name: string;
  readonly rights: ToolRight;
  readonly expiresIn: string;
  readonly json: boolean;
};

/** @throws UsageError when the API trusts another issuer, or the district does not exist */
export async function runToken(request: TokenRequest): Promise<void> {
  const env = readEnv();
  if (env.RESYNC_OIDC_ISSUER) {
    throw new UsageError(`the API trusts tokens of ${env.RESYNC_OIDC_ISSUER} (RESYNC_OIDC_ISSUER), not demo tokens: get a token from that identity provider`);
  }
  if (env.RESYNC_DEMO === '0') throw new UsageError('demo tokens are turned off (RESYNC_DEMO=0): the API would refuse them');
  if (request.role === 'district') {
    const { districtId } = request;
    const district = await withStateDatabase((state) => findDistrict(state, districtId));
    if (!district) throw new UsageError(`unknown district ${districtId}: seed it first (npx resync seed --district ${districtId} --students 500)`);
  }
  const minted = await mintDemoToken(env.RESYNC_DATA_DIR, {
    role: request.role, ...(request.role === 'district' ? { districtId: request.districtId } : {}),
    name: request.name, rights: request.rights, expiresIn: request.expiresIn,
  });
  const rights = request.rights === 'write' ? ['read', 'write'] : ['read'];
  if (request.json) {
    process.stdout.write(`${JSON.stringify({
      token: minted.token, role: request.role, ...(request.role === 'district' ? { districtId: request.districtId } : {}),
      name: request.name, rights, issuer: DEMO_ISSUER, expiresAt: minted.expiresAt.toISOString(),
    })}\n`);
    return;
  }
  const who = request.role === 'state' ? 'a state user' : `a user of district ${request.districtId}`;
  process.stderr.write(`token for ${request.name}, ${who}, ${request.rights === 'write' ? 'Read and Write' : 'Read'} rights, valid until ${minted.expiresAt.toISOString()}\n`);
  process.stdout.write(`${minted.token}\n`);
}
