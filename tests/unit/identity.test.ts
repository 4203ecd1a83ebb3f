// Who a token makes of its bearer: static tokens (RESYNC_API_TOKENS, old and named forms, /read
// and /write) and the claims of an identity provider's token (defaults, configured names,
// fallbacks), and what is refused.
import { describe, expect, it } from 'vitest';
import { lookupToken, parseTokens } from '../../src/api/static-tokens';
import { readEnv } from '../../src/config';
import { DEFAULT_CLAIMS, principalFromClaims, rightsFromClaim } from '../../src/identity/claims';

const ISSUER = 'https://idp.example/realms/state';

describe('static tokens', () => {
  const table = parseTokens([
    'old-state-token=state', 'old-district-token=district:1001',
    'named-district-token=district:1001:Jane Doe', 'reader-district-token=district:1002:Sam Reader/read',
    'named-state-token=state:Ann Lee/write', 'reader-state-token=state:Bob Viewer/read', 'anonymous-reader=district:1003/read',
    'colon-name-token=district:1004:Lee: Night Shift',
  ].join(';'));

  it('keeps the old forms: the role is the name, with Read and Write', () => {
    expect(lookupToken(table, 'old-state-token')).toEqual({ role: 'state', name: 'state', id: 'token:state', rights: ['read', 'write'] });
    expect(lookupToken(table, 'old-district-token')).toEqual({
      role: 'district', districtId: '1001', name: 'district:1001', id: 'token:district:1001', rights: ['read', 'write'],
    });
  });

  it('carries a display name and /read or /write rights', () => {
    expect(lookupToken(table, 'named-district-token')).toEqual({
      role: 'district', districtId: '1001', name: 'Jane Doe', id: 'token:district:1001:Jane Doe', rights: ['read', 'write'],
    });
    expect(lookupToken(table, 'reader-district-token')).toEqual({
      role: 'district', districtId: '1002', name: 'Sam Reader', id: 'token:district:1002:Sam Reader', rights: ['read'],
    });
    expect(lookupToken(table, 'named-state-token')).toEqual({ role: 'state', name: 'Ann Lee', id: 'token:state:Ann Lee', rights: ['read', 'write'] });
    expect(lookupToken(table, 'reader-state-token')).toEqual({ role: 'state', name: 'Bob Viewer', id: 'token:state:Bob Viewer', rights: ['read'] });
    expect(lookupToken(table, 'anonymous-reader')).toMatchObject({ districtId: '1003', name: 'district:1003', rights: ['read'] });
    expect(lookupToken(table, 'colon-name-token')).toMatchObject({ districtId: '1004', name: 'Lee: Night Shift' });
    expect(lookupToken(table, 'not-a-token')).toBeUndefined();
  });

  it.each([
    ['a short token', 'short=state', /token of 8\+ characters/],
    ['no role', 'long-enough-token=', /unknown role ""/],
    ['an unknown role', 'long-enough-token=teacher', /unknown role "teacher"/],
    ['a bad district id', 'long-enough-token=district:10 01', /unknown role "district:10 01"/],
    ['an overlong name', `long-enough-token=state:${'x'.repeat(101)}`, /longer than 100 characters/],
  ])('refuses %s', (_label, spec, message) => {
    expect(() => parseTokens(spec)).toThrow(message);
  });
});

describe('claims of an identity provider\'s token', () => {
  const map = (claims: Record<string, unknown>, names = DEFAULT_CLAIMS) => principalFromClaims(claims, names, ISSUER);

  it('maps the default claims to a district or state user', () => {
    expect(map({ sub: 'u-1', name: 'Jane Doe', resync_role: 'district', resync_district: '1001', resync_rights: 'write' })).toEqual({
      principal: { role: 'district', districtId: '1001', name: 'Jane Doe', id: `jwt:${ISSUER}#u-1`, rights: ['read', 'write'] },
    });
    expect(map({ sub: 'u-2', name: 'Ann Lee', resync_role: 'state', resync_rights: ['read'] })).toEqual({
      principal: { role: 'state', name: 'Ann Lee', id: `jwt:${ISSUER}#u-2`, rights: ['read'] },
    });
  });

  it('reads a numeric district, a role list, a district claim without role, and falls back for the name', () => {
    expect(map({ sub: 'u', resync_role: ['viewer', 'district'], resync_district: 1001, preferred_username: 'jdoe' }))
      .toEqual({ principal: { role: 'district', districtId: '1001', name: 'jdoe', id: `jwt:${ISSUER}#u`, rights: ['read'] } });
    expect(map({ sub: 'u', resync_district: 'D42', email: 'x@district.example' }))
      .toEqual({ principal: { role: 'district', districtId: 'd42', name: 'x@district.example', id: `jwt:${ISSUER}#u`, rights: ['read'] } });
    expect(map({ sub: 'only-sub', resync_role: 'state' })).toMatchObject({ principal: { name: 'only-sub' } });
  });

  it('follows configured claim names, dotted ones into objects', () => {
    const names = { name: 'display_name', role: 'realm_access.resync_role', district: 'org.district', rights: 'tool_rights' };
    expect(map({ sub: 'u', display_name: 'Dee', realm_access: { resync_role: 'district' }, org: { district: '2001' }, tool_rights: 'read write' }, names))
      .toEqual({ principal: { role: 'district', districtId: '2001', name: 'Dee', id: `jwt:${ISSUER}#u`, rights: ['read', 'write'] } });
  });

  it('rights: absent is Read, write includes Read, neither is none', () => {
    expect(rightsFromClaim(undefined)).toEqual(['read']);
    expect(rightsFromClaim('write')).toEqual(['read', 'write']);
    expect(rightsFromClaim(['READ'])).toEqual(['read']);
    expect(rightsFromClaim([])).toEqual([]);
    expect(rightsFromClaim('admin')).toEqual([]);
    expect(rightsFromClaim(42)).toEqual([]);
  });

  it.each([
    ['no sub', { name: 'X', resync_role: 'state' }, 'the token names no user (no sub claim)'],
    ['no role and no district', { sub: 'u', name: 'X' }, 'the token has no resync_role claim (state or district) and no resync_district claim: it does not make X a user of this tool'],
    ['an unknown role', { sub: 'u', name: 'X', resync_role: 'teacher' }, 'the token\'s resync_role claim "teacher" is neither state nor district'],
    ['a district user without a district', { sub: 'u', name: 'X', resync_role: 'district' }, 'X is a district user, but the token has no resync_district claim naming the district'],
    ['a bad district', { sub: 'u', name: 'X', resync_role: 'district', resync_district: '10 01' }, 'the token\'s resync_district claim "10 01" is not a district id'],
    ['no rights', { sub: 'u', name: 'X', resync_role: 'state', resync_rights: [] }, 'X has no rights on the Resync State Data tool (the token\'s resync_rights claim grants neither read nor write)'],
  ])('refuses %s with a specific reason', (_label, claims, problem) => {
    expect(map(claims)).toEqual({ problem });
  });
});

describe('configuration', () => {
  it('wants the OIDC issuer, audience and JWKS URL together', () => {
    expect(() => readEnv({ RESYNC_OIDC_ISSUER: ISSUER })).toThrow(
      'invalid configuration: RESYNC_OIDC_AUDIENCE: required with RESYNC_OIDC_ISSUER (set all three, or none); '
      + 'RESYNC_OIDC_JWKS_URL: required with RESYNC_OIDC_ISSUER (set all three, or none)');
    expect(readEnv({ RESYNC_OIDC_ISSUER: ISSUER, RESYNC_OIDC_AUDIENCE: 'api', RESYNC_OIDC_JWKS_URL: 'https://idp.example/jwks' }).RESYNC_OIDC_ROLE_CLAIM).toBe('resync_role');
  });

  it('wants a secret with a webhook URL, and an http(s) URL', () => {
    expect(() => readEnv({ RESYNC_WEBHOOK_URL: 'https://hooks.example/resync' }))
      .toThrow('RESYNC_WEBHOOK_SECRET: required with RESYNC_WEBHOOK_URL: every delivery is signed with it');
    expect(() => readEnv({ RESYNC_WEBHOOK_URL: 'ftp://hooks.example/x', RESYNC_WEBHOOK_SECRET: 'a-secret-of-16-chars' })).toThrow('RESYNC_WEBHOOK_URL');
    expect(() => readEnv({ RESYNC_WEBHOOK_URL: 'https://hooks.example/x', RESYNC_WEBHOOK_SECRET: 'short' })).toThrow('at least 16 characters');
  });
});
