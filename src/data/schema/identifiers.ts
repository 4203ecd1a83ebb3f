// SQL identifiers written into statement text (schema, table and column names come from the
// catalog or the registry, never from a request; quoted all the same).

/** A double-quoted SQL identifier: `school_year` → `"school_year"`, inner quotes doubled. */
export const quoteIdentifier = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;
