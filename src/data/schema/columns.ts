// The columns of an object's tables, derived from the catalog. District and state tables share
// the synced columns in the same order, so a content hash computed on either side compares.
import { CATALOG, catalogFor, isValidDistrictId, type CatalogObject, type FieldSpec, type FieldType } from '../../domain';

/** Schemas are built from the layered catalog, so School can point at a ReportingEntity. */
export const SCHEMA_CATALOG = catalogFor({ reportingEntity: true });

export interface Column {
  readonly name: string;
  readonly districtType: string;
  readonly stateType: string;
  readonly nullable: boolean;
}

export interface ParentReference {
  readonly parent: string;
  readonly parentTable: string;
  readonly column: string;
  readonly nullable: boolean;
}

const DISTRICT_TYPES: Record<FieldType, string> = {
  text: 'text', int: 'integer', numeric: 'numeric(12,2)', date: 'date', bool: 'boolean',
};
// The state is stricter than the district (bounded text): a district value the state cannot hold
// is refused by the state database and isolated by the sync, like any invalid record.
const STATE_TYPES: Record<FieldType, string> = {
  text: 'varchar(100)', int: 'integer', numeric: 'numeric(12,2)', date: 'date', bool: 'boolean',
};

export const REPORTING_ENTITY_OPTIONAL = 'ReportingEntity';

/** Parents a record references by foreign key, in either layout: School points at its District
 *  and, where the layer is used, at its ReportingEntity (nullable). */
export function parentReferences(object: CatalogObject): ParentReference[] {
  const layered = SCHEMA_CATALOG.get(object.name);
  const referenced = new Set([...CATALOG.get(object.name).referencedParents, ...layered.referencedParents]);
  return layered.parents.filter((parent) => referenced.has(parent)).map((parent) => {
    const parentTable = SCHEMA_CATALOG.get(parent).table;
    return { parent, parentTable, column: `${parentTable}_id`, nullable: parent === REPORTING_ENTITY_OPTIONAL };
  });
}

function fieldColumn(field: FieldSpec): Column {
  return { name: field.name, districtType: DISTRICT_TYPES[field.type], stateType: STATE_TYPES[field.type], nullable: true };
}

/** Columns that travel from district to state, in table order (id first). */
export function syncedColumns(object: CatalogObject): Column[] {
  const references = parentReferences(object).map((reference): Column => ({
    name: reference.column, districtType: 'bigint', stateType: 'bigint', nullable: reference.nullable,
  }));
  const year: Column[] = object.yearTied
    ? [{ name: 'school_year', districtType: 'integer', stateType: 'integer', nullable: false }]
    : [];
  const fields = object.fields.filter((field) => (field.owner ?? 'district') === 'district').map(fieldColumn);
  return [{ name: 'id', districtType: 'bigint', stateType: 'bigint', nullable: false }, ...references, ...year, ...fields];
}

/** Fields the state owns: they exist only in the state table and a resync never writes them. */
export function stateOwnedColumns(object: CatalogObject): Column[] {
  return object.fields.filter((field) => field.owner === 'state').map(fieldColumn);
}

export const STATE_SCHEMA = 'state';
export const BOOKKEEPING_SCHEMA = 'resync';

/** The schema holding one district's source data. */
export function districtSchema(districtId: string): string {
  if (!isValidDistrictId(districtId)) throw new Error(`invalid district id "${districtId}"`);
  return `district_${districtId}`;
}
