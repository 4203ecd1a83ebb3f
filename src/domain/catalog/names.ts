// Object names as people type them: any case, with or without spaces (`LEPKY`, `Health Screening`).

export function nameKey(name: string): string {
  return name.replace(/[\s_\-*]+/g, '').toLowerCase();
}

/** snake_case table name of an object: `FRYSCGroupProgramKY` → `frysc_group_program_ky`. */
export function tableName(objectName: string): string {
  return objectName
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known name closest to `name`, for "did you mean" messages. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const key = nameKey(name);
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const candidateKey = nameKey(candidate);
    const distance = candidateKey.startsWith(key) || key.startsWith(candidateKey)
      ? Math.abs(candidateKey.length - key.length) / 2
      : editDistance(key, candidateKey);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(3, key.length / 2) ? best.name : undefined;
}
