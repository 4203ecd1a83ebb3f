// Shapes of the object catalog. Pure types: workflow code imports them freely.

/** States and regions whose own objects appear only in their districts. */
export type Region = 'KY' | 'SD' | 'ME' | 'BIE';

export type FieldType = 'text' | 'int' | 'numeric' | 'date' | 'bool';

/** Which side owns a field: district fields travel in a resync; state fields are never overwritten. */
export type FieldOwner = 'district' | 'state';

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly owner?: FieldOwner;
}

/** Why a district record may be refused by the state even though its data is valid. */
export type ExclusionFlag = 'state-excluded calendar' | 'state-excluded grade level' | 'state-excluded enrollment';

/** One row of the seed's object table plus what the system needs to know to sync it. */
export interface CatalogEntry {
  readonly name: string;
  /** The seed's Parent Objects column: top-level first, immediate parent(s) marked with `*`. */
  readonly parents: readonly string[];
  /** Records belong to one school year; only these can be resynced for a previous/next year. */
  readonly yearTied: boolean;
  /** Present only in districts of this state or region; absent = applies everywhere. */
  readonly region?: Region;
  readonly fields: readonly FieldSpec[];
  readonly exclusionFlag?: ExclusionFlag;
}

/** A catalog object after loading: parents parsed, validated and ready for planning. */
export interface CatalogObject {
  readonly name: string;
  readonly table: string;
  /** Every object that must be synchronised before this one, top-level first. */
  readonly parents: readonly string[];
  /** The parents the seed marks with `*`. */
  readonly immediateParents: readonly string[];
  /** The parents a record references by foreign key: the immediate ones plus any listed parent
   *  that no other parent already depends on (e.g. Roster → StructureGradeLevel). */
  readonly referencedParents: readonly string[];
  readonly yearTied: boolean;
  readonly region?: Region;
  readonly fields: readonly FieldSpec[];
  readonly exclusionFlag?: ExclusionFlag;
}
