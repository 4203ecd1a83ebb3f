// Where the seed's Child Objects column contradicts its Parent Objects column, and what we decided.
//
// The Parent Objects column is authoritative (DESIGN §2.1): it is what the synchronisation order
// needs, and it is internally consistent (every list is closed under its parents' lists, which
// `loadCatalog` checks). The Child Objects column is a hand-kept inverse with misspellings and
// omissions. Every disagreement between the two is listed here once, with the decision and why;
// `tests/unit/catalog-reconciliation.test.ts` derives the disagreements from the seed document
// itself and fails if one is missing from this list or if an entry here no longer applies.

/** How a child-column spelling maps onto table objects (none: not an object of the table). */
export interface SpellingDecision {
  readonly kind: 'spelling';
  readonly written: string;
  readonly means: readonly string[];
  readonly reason: string;
}

/** A child-column entry that disagrees with the parent column; the parent column wins. */
export interface HierarchyDecision {
  readonly kind: 'hierarchy';
  readonly object: string;
  /** Objects whose Child Objects column omits `object` although `object` lists them as parents. */
  readonly omittedBy?: readonly string[];
  /** Objects whose Child Objects column lists `object` although `object` does not list them. */
  readonly wronglyListedBy?: readonly string[];
  /** Objects whose Child Objects column marks immediacy (`*`) differently from `object`'s list. */
  readonly markedDifferentlyBy?: readonly string[];
  readonly decision: string;
  readonly reason: string;
}

export type SeedDecision = SpellingDecision | HierarchyDecision;

export const SEED_DECISIONS: readonly SeedDecision[] = [
  {
    kind: 'spelling', written: 'LEPKY', means: ['LepKY'],
    reason: 'The table row is named LepKY; the child columns spell it LEPKY. Names match case-insensitively, so both spellings select LepKY.',
  },
  {
    kind: 'spelling', written: 'Health Screening', means: ['HealthScreening'],
    reason: 'PersonIdentity\'s child column splits the word; the table row is HealthScreening.',
  },
  {
    kind: 'spelling', written: 'PlanProgressReportPOSEligibility', means: ['PlanProgressReport', 'POSEligibility'],
    reason: 'School\'s child column runs two alphabetically adjacent rows together; both rows list School as a parent.',
  },
  {
    kind: 'spelling', written: 'Evaluation', means: [],
    reason: 'Enrollment\'s child column names Evaluation, which has no row of its own in the table, so it cannot be resynced and is not an object of the catalog.',
  },
  {
    kind: 'hierarchy', object: 'Day', omittedBy: ['PersonIdentity'], markedDifferentlyBy: ['ScheduleStructure'],
    decision: 'Day depends on District, School, Calendar, ScheduleStructure and, immediately, PersonIdentity.',
    reason: 'ScheduleStructure\'s child column marks Day as its immediate child and PersonIdentity\'s omits it, but Day\'s own row ends with PersonIdentity*. Syncing Day after PersonIdentity is never wrong; syncing it before could send days whose person is not at the state yet.',
  },
  {
    kind: 'hierarchy', object: 'TeamMember', omittedBy: ['School', 'Calendar', 'PersonIdentity'], wronglyListedBy: ['Enrollment'],
    decision: 'TeamMember depends on District, School, Calendar, ScheduleStructure and, immediately, PersonIdentity; not on Enrollment.',
    reason: 'Enrollment\'s child column claims TeamMember as an immediate child, but TeamMember\'s own row does not list Enrollment, and School, Calendar and PersonIdentity forget it. Its own row is the only complete statement.',
  },
  {
    kind: 'hierarchy', object: 'CTEDataME', omittedBy: ['District', 'School', 'Calendar', 'ScheduleStructure', 'PersonIdentity'],
    decision: 'CTEDataME depends on District, School, Calendar, ScheduleStructure and, immediately, PersonIdentity (Maine only).',
    reason: 'No child column mentions CTEDataME, but its own row lists its parents; an object missing from every child column still has to wait for them.',
  },
  {
    kind: 'hierarchy', object: 'Roster', omittedBy: ['StructureGradeLevel'],
    decision: 'Roster depends on StructureGradeLevel and references it directly, besides its immediate parent Enrollment.',
    reason: 'StructureGradeLevel says "No dependent objects", yet Roster lists it among its parents. StructureGradeLevel is not an ancestor of Enrollment, so a roster record must point at its grade level itself and wait for it.',
  },
  {
    kind: 'hierarchy', object: 'PlanProgressReport', omittedBy: ['Plan'],
    decision: 'PlanProgressReport depends immediately on Plan.',
    reason: 'Plan says "No dependent objects", but PlanProgressReport\'s row ends with Plan*: a progress report belongs to a plan.',
  },
  {
    kind: 'hierarchy', object: 'Calendar', omittedBy: ['District'],
    decision: 'Calendar depends on District and, immediately, School.',
    reason: 'District\'s child column lists every object below it except Calendar; Calendar\'s own row lists District, and School (its immediate parent) is itself under District.',
  },
  {
    kind: 'hierarchy', object: 'TestScore', markedDifferentlyBy: ['PersonIdentity'],
    decision: 'TestScore has two immediate parents, PersonIdentity and Test, and references both.',
    reason: 'TestScore\'s row marks both PersonIdentity* and Test*; PersonIdentity\'s child column lists TestScore without the mark. A score belongs to a person and to a test.',
  },
  {
    kind: 'hierarchy', object: 'FRYSCGroupStatusKY', markedDifferentlyBy: ['PersonIdentity'],
    decision: 'FRYSCGroupStatusKY has two immediate parents, PersonIdentity and FRYSCGroupProgramKY, and references both.',
    reason: 'Its row marks both PersonIdentity* and FRYSCGroupProgramKY*; PersonIdentity\'s child column lists it without the mark.',
  },
  {
    kind: 'hierarchy', object: 'ReportingEntity', omittedBy: ['District'],
    wronglyListedBy: [],
    decision: 'ReportingEntity is an optional layer: where a district uses it (never in Montana), School\'s immediate parent becomes ReportingEntity and every object below School also depends on it; elsewhere it is not offered.',
    reason: 'Its child column lists School* and (nearly) everything below it "only when the reporting entity object is used", while no row lists it as a parent and District\'s child column omits it. Only a conditional layer satisfies both columns; it applies to every object below School, including the ones that column forgets (Calendar, CTEDataME, TeamMember).',
  },
];

/** The reporting-entity layer's child column is conditional; see the ReportingEntity decision. */
export const CONDITIONAL_CHILD_COLUMNS: readonly string[] = ['ReportingEntity'];
