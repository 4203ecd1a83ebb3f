// The skeleton of a generated district: the entities other records hang from (schools, calendars,
// structures, grade levels, people, enrollments), kept as compact arrays so that the records of
// 100 000 students can be generated as streams.
import type { Random } from './random';

export type SchoolType = 'Elementary' | 'Middle' | 'High';

const GRADES: Record<SchoolType, readonly string[]> = {
  Elementary: ['KG', '01', '02', '03', '04', '05'],
  Middle: ['06', '07', '08'],
  High: ['09', '10', '11', '12'],
};

export interface School { id: number; type: SchoolType; reportingEntityId: number | null }
export interface Calendar { id: number; school: number; year: number; excluded: boolean; summer: boolean }
export interface Structure { id: number; calendar: number; gradeLevels: Map<string, { id: number; excluded: boolean }> }
export interface Person { id: number; school: number; structure: number; staff: boolean; grade: number }
export interface Enrollment { id: number; person: number; structure: number; grade: string; gradeLevel: number; year: number; excluded: boolean }

export interface Skeleton {
  readonly years: readonly number[];
  readonly reportingEntities: number;
  readonly schools: School[];
  readonly calendars: Calendar[];
  readonly structures: Structure[];
  readonly persons: Person[];
  readonly enrollments: Enrollment[];
  /** The structure of each school's regular calendar, per year: structureOf[year][school]. */
  readonly structureOf: Map<number, number[]>;
  /** Person ids of each school's staff, and each school's number of students. */
  readonly staffBySchool: number[][];
  readonly studentsBySchool: number[];
}

export interface SkeletonOptions {
  readonly students: number;
  readonly years: readonly number[];
  /** The district's scoped year: people belong to that year's structures (they are synced with
   *  the current year, so their parents must be current-year records). */
  readonly scopedYear: number;
  readonly reportingEntity: boolean;
  readonly excludedShare: number;
}

function schoolTypeOf(index: number): SchoolType {
  return index % 4 === 2 ? 'Middle' : index % 4 === 3 ? 'High' : 'Elementary';
}

function gradeName(grade: number): string {
  return grade === 0 ? 'KG' : String(grade).padStart(2, '0');
}

function typeForGrade(grade: number): SchoolType {
  return grade <= 5 ? 'Elementary' : grade <= 8 ? 'Middle' : 'High';
}

export function buildSkeleton(options: SkeletonOptions, random: Random): Skeleton {
  const schoolCount = Math.max(4, Math.ceil(options.students / 500));
  const reportingEntities = options.reportingEntity ? 2 : 0;
  const schools: School[] = Array.from({ length: schoolCount }, (_, i) => ({
    id: i + 1, type: schoolTypeOf(i), reportingEntityId: reportingEntities > 0 ? (i % reportingEntities) + 1 : null,
  }));

  const calendars: Calendar[] = [];
  const structures: Structure[] = [];
  const structureOf = new Map<number, number[]>();
  const addCalendar = (school: number, year: number, summer: boolean) => {
    const calendar: Calendar = { id: calendars.length + 1, school, year, summer, excluded: summer };
    calendars.push(calendar);
    const levels = new Map<string, { id: number; excluded: boolean }>();
    const structure: Structure = { id: structures.length + 1, calendar: calendars.length - 1, gradeLevels: levels };
    structures.push(structure);
    return structure;
  };
  for (const year of options.years) {
    structureOf.set(year, schools.map((school, index) => addCalendar(index, year, false).id));
    // A summer-school calendar the state does not collect: a state-excluded calendar.
    if (options.excludedShare > 0) addCalendar(0, year, true);
  }
  let gradeLevelId = 0;
  for (const structure of structures) {
    const calendar = calendars[structure.calendar];
    const school = calendar ? schools[calendar.school] : undefined;
    if (!calendar || !school) continue;
    for (const grade of GRADES[school.type]) structure.gradeLevels.set(grade, { id: ++gradeLevelId, excluded: calendar.excluded });
    // Elementary schools keep a pre-kindergarten grade level that is not reported to the state.
    if (school.type === 'Elementary' && options.excludedShare > 0) structure.gradeLevels.set('PK', { id: ++gradeLevelId, excluded: true });
  }

  const firstYear = options.years[0] ?? 0;
  const primaryYear = options.years.includes(options.scopedYear) ? options.scopedYear : firstYear;
  const byType = new Map<SchoolType, number[]>();
  schools.forEach((school, index) => byType.set(school.type, [...(byType.get(school.type) ?? []), index]));
  const schoolsOfType = (type: SchoolType) => byType.get(type) ?? [0];
  const firstStructure = structureOf.get(primaryYear) ?? [];
  const persons: Person[] = [];
  for (let i = 0; i < options.students; i++) {
    const grade = random.int(0, 12);
    const school = random.pick(schoolsOfType(typeForGrade(grade)));
    persons.push({ id: persons.length + 1, school, structure: firstStructure[school] ?? 1, staff: false, grade });
  }
  const staffCount = Math.max(schoolCount * 3, Math.ceil(options.students / 14));
  for (let i = 0; i < staffCount; i++) {
    const school = i % schoolCount;
    persons.push({ id: persons.length + 1, school, structure: firstStructure[school] ?? 1, staff: true, grade: -1 });
  }

  const enrollments: Enrollment[] = [];
  for (const year of options.years) {
    const yearStructures = structureOf.get(year) ?? [];
    for (const person of persons) {
      if (person.staff) continue;
      const grade = Math.min(12, person.grade + (year - firstYear));
      const school = typeForGrade(grade) === schools[person.school]?.type ? person.school : random.pick(schoolsOfType(typeForGrade(grade)));
      const structureId = yearStructures[school] ?? 1;
      const structure = structures[structureId - 1];
      const level = structure?.gradeLevels.get(gradeName(grade));
      enrollments.push({
        id: enrollments.length + 1, person: person.id, structure: structureId, grade: gradeName(grade),
        gradeLevel: level?.id ?? 1, year, excluded: random.chance(options.excludedShare),
      });
    }
  }
  const staffBySchool: number[][] = schools.map(() => []);
  const studentsBySchool: number[] = schools.map(() => 0);
  for (const person of persons) {
    if (person.staff) staffBySchool[person.school]?.push(person.id);
    else studentsBySchool[person.school] = (studentsBySchool[person.school] ?? 0) + 1;
  }
  return {
    years: options.years, reportingEntities, schools, calendars, structures, persons, enrollments, structureOf,
    staffBySchool, studentsBySchool,
  };
}
