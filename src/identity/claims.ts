// How an identity provider's token becomes a principal: which claims carry the name, the role,
// the district and the tool rights. The claim names are configurable (RESYNC_OIDC_*_CLAIM); the
// defaults are what `npx resync token` writes into demo tokens.
import { isValidDistrictId } from '../domain';
import type { Principal, ToolRight } from './principal';

export interface ClaimNames {
  /** The display name (default `name`; if absent, `preferred_username`, `email`, then `sub`). */
  readonly name: string;
  /** `state` or `district` (a string, or a list holding one of them). */
  readonly role: string;
  /** The district a district user belongs to. */
  readonly district: string;
  /** `read` or `write` (a string, space-separated words, or a list). Absent: Read. */
  readonly rights: string;
}

export const DEFAULT_CLAIMS: ClaimNames = { name: 'name', role: 'resync_role', district: 'resync_district', rights: 'resync_rights' };

/** Fallbacks when the name claim is absent, in order. */
const NAME_FALLBACKS = ['preferred_username', 'email', 'sub'];

/** Why a verified token does not make a user of this tool (403), or the principal. */
export type ClaimsMapping = { readonly principal: Principal } | { readonly problem: string };

/** A claim by name; a dotted name reaches into objects (`realm_access.resync_role`). */
export function claimValue(payload: Readonly<Record<string, unknown>>, name: string): unknown {
  if (name in payload) return payload[name];
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function words(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.filter((entry): entry is string => typeof entry === 'string').map((entry) => entry.trim().toLowerCase());
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean).map((entry) => entry.toLowerCase());
  return [];
}

/** Tool rights from the rights claim: absent → Read; write → Read and Write; neither → none. */
export function rightsFromClaim(value: unknown): ToolRight[] {
  const granted = words(value);
  if (granted === undefined) return ['read'];
  if (granted.includes('write')) return ['read', 'write'];
  return granted.includes('read') ? ['read'] : [];
}

function displayName(payload: Readonly<Record<string, unknown>>, names: ClaimNames): string | undefined {
  for (const claim of [names.name, ...NAME_FALLBACKS]) {
    const value = claimValue(payload, claim);
    if (typeof value === 'string' && value.trim()) return value.trim().slice(0, 200);
  }
  return undefined;
}

/**
 * Maps a verified token's claims to a principal.
 * @param payload the verified claims (`sub` required)
 * @param issuer the trusted issuer, part of the user's stable id
 */
export function principalFromClaims(payload: Readonly<Record<string, unknown>>, names: ClaimNames, issuer: string): ClaimsMapping {
  const subject = payload.sub;
  if (typeof subject !== 'string' || !subject) return { problem: 'the token names no user (no sub claim)' };
  const name = displayName(payload, names) ?? subject;
  const rights = rightsFromClaim(claimValue(payload, names.rights));
  if (rights.length === 0) {
    return { problem: `${name} has no rights on the Resync State Data tool (the token's ${names.rights} claim grants neither read nor write)` };
  }
  const roles = words(claimValue(payload, names.role)) ?? [];
  const rawDistrict = claimValue(payload, names.district);
  const districtId = typeof rawDistrict === 'string' || typeof rawDistrict === 'number' ? String(rawDistrict).trim().toLowerCase() : undefined;
  const id = `jwt:${issuer}#${subject}`;
  if (roles.includes('state')) return { principal: { role: 'state', name, id, rights } };
  if (roles.includes('district') || (roles.length === 0 && districtId !== undefined)) {
    if (districtId === undefined) return { problem: `${name} is a district user, but the token has no ${names.district} claim naming the district` };
    if (!isValidDistrictId(districtId)) return { problem: `the token's ${names.district} claim "${districtId}" is not a district id` };
    return { principal: { role: 'district', districtId, name, id, rights } };
  }
  const seen = claimValue(payload, names.role);
  return {
    problem: seen === undefined
      ? `the token has no ${names.role} claim (state or district) and no ${names.district} claim: it does not make ${name} a user of this tool`
      : `the token's ${names.role} claim ${JSON.stringify(seen)} is neither state nor district`,
  };
}
