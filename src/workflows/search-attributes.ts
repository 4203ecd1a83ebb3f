// Typed keys of the custom search attributes (registered from temporal/search-attributes.json).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const DISTRICT_ID = defineSearchAttributeKey('DistrictId', SearchAttributeType.KEYWORD);
export const SCHOOL_YEAR = defineSearchAttributeKey('SchoolYear', SearchAttributeType.INT);
export const RESYNC_KIND = defineSearchAttributeKey('ResyncKind', SearchAttributeType.KEYWORD);
export const INITIATOR = defineSearchAttributeKey('Initiator', SearchAttributeType.KEYWORD);
