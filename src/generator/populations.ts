// How many records of each object a district has, and what they hang from. Volumes per student
// follow a plausible district: ~8 attendance events, ~6 rosters, ~8 vaccine shots, 2 tests with
// 3 scores each, a plan for one student in eight, one staff member per 14 students.
import type { Random } from './random';
import type { Skeleton } from './skeleton';

export type Value = string | number | boolean | null;

/** One record to generate: its parents' ids, school year and any field values fixed by context. */
export interface RecordSpec {
  readonly id?: number;
  readonly refs: Readonly<Record<string, number | null>>;
  readonly year: number;
  readonly excluded?: boolean;
  readonly values?: Readonly<Record<string, Value>>;
}

export interface PopulationContext {
  readonly skeleton: Skeleton;
  readonly random: Random;
  readonly scopedYear: number;
  /** Ids remembered while generating, for children generated later (parents come first). */
  readonly remembered: Map<string, { id: number; person: number; school: number; year: number }[]>;
  nextId(object: string): number;
}

type Population = (context: PopulationContext) => Iterable<RecordSpec>;

function remember(context: PopulationContext, object: string, entry: { id: number; person: number; school: number; year: number }) {
  let list = context.remembered.get(object);
  if (!list) context.remembered.set(object, (list = []));
  list.push(entry);
}

function* students(context: PopulationContext) {
  for (const person of context.skeleton.persons) if (!person.staff) yield person;
}

function* staff(context: PopulationContext) {
  for (const person of context.skeleton.persons) if (person.staff) yield person;
}

function principalOf(context: PopulationContext, school: number): number {
  return context.skeleton.staffBySchool[school]?.[0] ?? 1;
}

/** `mean` records per student, not tied to a year. */
const perStudent = (mean: number): Population => function* (context) {
  for (const person of students(context)) {
    for (let n = context.random.count(mean); n > 0; n--) yield { refs: { PersonIdentity: person.id }, year: context.scopedYear };
  }
};

/** `mean` records per student and school year (one per enrollment year). */
const perStudentYear = (mean: number, gradeFilter?: (grade: string) => boolean): Population => function* (context) {
  for (const enrollment of context.skeleton.enrollments) {
    if (gradeFilter && !gradeFilter(enrollment.grade)) continue;
    for (let n = context.random.count(mean); n > 0; n--) yield { refs: { PersonIdentity: enrollment.person }, year: enrollment.year };
  }
};

/** `mean` records per enrollment. */
const perEnrollment = (mean: number, gradeFilter?: (grade: string) => boolean): Population => function* (context) {
  for (const enrollment of context.skeleton.enrollments) {
    if (gradeFilter && !gradeFilter(enrollment.grade)) continue;
    for (let n = context.random.count(mean); n > 0; n--) yield { refs: { Enrollment: enrollment.id }, year: enrollment.year };
  }
};

const perStaff = (mean: number): Population => function* (context) {
  for (const person of staff(context)) {
    for (let n = context.random.count(mean); n > 0; n--) yield { refs: { PersonIdentity: person.id }, year: context.scopedYear };
  }
};

const perStaffYear = (mean: number): Population => function* (context) {
  for (const year of context.skeleton.years) {
    for (const person of staff(context)) {
      for (let n = context.random.count(mean); n > 0; n--) yield { refs: { PersonIdentity: person.id }, year };
    }
  }
};

const perSchoolYear: Population = function* (context) {
  for (const year of context.skeleton.years) for (const _school of context.skeleton.schools) yield { refs: {}, year };
};

/** A parent remembered earlier, with `mean` children each referencing it (and its person). */
const perRemembered = (parent: string, mean: number, withPerson: boolean): Population => function* (context) {
  for (const entry of context.remembered.get(parent) ?? []) {
    for (let n = context.random.count(mean); n > 0; n--) {
      yield { refs: { [parent]: entry.id, ...(withPerson ? { PersonIdentity: entry.person } : {}) }, year: entry.year };
    }
  }
};

/** Records that later objects hang from: remember their ids as they are generated. */
const remembering = (object: string, population: Population): Population => function* (context) {
  for (const spec of population(context)) {
    const id = context.nextId(object);
    const person = spec.refs.PersonIdentity ?? 0;
    const school = context.skeleton.persons[person - 1]?.school ?? 0;
    remember(context, object, { id, person, school, year: spec.year });
    yield { ...spec, id };
  }
};

const isHigh = (grade: string) => ['09', '10', '11', '12'].includes(grade);
const isSenior = (grade: string) => grade === '12';
const isEarly = (grade: string) => grade === 'KG' || grade === 'PK';

export const POPULATIONS: Readonly<Record<string, Population>> = {
  District: function* (context) {
    yield { id: 1, refs: {}, year: context.scopedYear, values: { name: 'Demo Unified School District' } };
  },
  ReportingEntity: function* (context) {
    for (let i = 1; i <= context.skeleton.reportingEntities; i++) {
      yield { id: i, refs: { District: 1 }, year: context.scopedYear, values: { name: `Reporting Entity ${i}` } };
    }
  },
  School: function* (context) {
    for (const school of context.skeleton.schools) {
      yield {
        id: school.id, refs: { District: 1, ReportingEntity: school.reportingEntityId }, year: context.scopedYear,
        values: { name: `${school.type} School ${school.id}`, school_number: String(100 + school.id), school_type: school.type },
      };
    }
  },
  Calendar: function* (context) {
    for (const calendar of context.skeleton.calendars) {
      const name = `${calendar.year}-${String((calendar.year + 1) % 100).padStart(2, '0')} ${calendar.summer ? 'Summer School' : 'Regular'}`;
      yield {
        id: calendar.id, refs: { School: (calendar.school) + 1 }, year: calendar.year, excluded: calendar.excluded,
        values: { name, start_date: `${calendar.year}-08-15`, end_date: `${calendar.year + 1}-05-31` },
      };
    }
  },
  ScheduleStructure: function* (context) {
    for (const structure of context.skeleton.structures) {
      const calendar = context.skeleton.calendars[structure.calendar];
      yield { id: structure.id, refs: { Calendar: structure.calendar + 1 }, year: calendar?.year ?? context.scopedYear, values: { name: 'Main' } };
    }
  },
  StructureGradeLevel: function* (context) {
    for (const structure of context.skeleton.structures) {
      const year = context.skeleton.calendars[structure.calendar]?.year ?? context.scopedYear;
      for (const [grade, level] of structure.gradeLevels) {
        yield { id: level.id, refs: { ScheduleStructure: structure.id }, year, excluded: level.excluded, values: { grade, state_grade: grade } };
      }
    }
  },
  CourseCode: function* (context) {
    for (let i = 0; i < 200; i++) yield { refs: {}, year: context.scopedYear, values: { code: `C${String(1000 + i)}` } };
  },
  CourseSection: function* (context) {
    for (const calendar of context.skeleton.calendars) {
      const enrolled = context.skeleton.studentsBySchool[calendar.school] ?? 0;
      const sections = calendar.summer ? 4 : Math.max(6, Math.ceil((enrolled * 6) / 25));
      for (let i = 0; i < sections; i++) yield { refs: { Calendar: calendar.id }, year: calendar.year };
    }
  },
  PersonIdentity: function* (context) {
    for (const person of context.skeleton.persons) {
      yield { id: person.id, refs: { ScheduleStructure: person.structure }, year: context.scopedYear, values: { local_id: String(100_000 + person.id) } };
    }
  },
  PersonIdentityNoStateIDOnly: function* (context) {
    for (const person of students(context)) {
      if (context.random.chance(0.01)) yield { refs: { ScheduleStructure: person.structure }, year: context.scopedYear };
    }
  },
  Day: function* (context) {
    for (const structure of context.skeleton.structures) {
      const calendar = context.skeleton.calendars[structure.calendar];
      if (!calendar) continue;
      const principal = principalOf(context, calendar.school);
      const days = calendar.summer ? 30 : 180;
      for (let d = 0; d < days; d++) {
        const date = new Date(Date.UTC(calendar.year, calendar.summer ? 5 : 7, 15 + Math.floor(d * 7 / 5)));
        yield { refs: { PersonIdentity: principal }, year: calendar.year, values: { day_date: date.toISOString().slice(0, 10), instructional: true } };
      }
    }
  },
  Enrollment: function* (context) {
    for (const enrollment of context.skeleton.enrollments) {
      yield { id: enrollment.id, refs: { PersonIdentity: enrollment.person }, year: enrollment.year, excluded: enrollment.excluded, values: { grade: enrollment.grade } };
    }
  },
  Roster: function* (context) {
    for (const enrollment of context.skeleton.enrollments) {
      const courses = ['KG', '01', '02', '03', '04', '05'].includes(enrollment.grade) ? 2 : 6;
      for (let n = context.random.count(courses); n > 0; n--) {
        yield { refs: { Enrollment: enrollment.id, StructureGradeLevel: enrollment.gradeLevel }, year: enrollment.year };
      }
    }
  },
  AttendanceExactCount: perEnrollment(8),
  AttendanceBIEAbsentDays: perEnrollment(1),
  AttendanceGroupKY: perEnrollment(1),
  AttendanceKYMinute: perEnrollment(1),
  AttendanceSDMinute: perEnrollment(1),
  CustomStudent: perEnrollment(2),
  ESSKY: perEnrollment(0.1),
  FRYSCStatusKY: perEnrollment(0.2),
  Graduation: perEnrollment(1, isSenior),
  PreSchoolKY: perEnrollment(1, isEarly),
  Title1KY: perEnrollment(0.3),
  Behavior: perStudentYear(0.3),
  CTEDataME: perStudentYear(0.3, isHigh),
  NASIS: perStudentYear(1),
  POSEligibility: perStudentYear(0.2, isHigh),
  Transportation: perStudentYear(0.4),
  Truancy: perStudentYear(0.04),
  FRYSCGroupProgramKY: remembering('FRYSCGroupProgramKY', perStudentYear(0.05)),
  FRYSCGroupStatusKY: perRemembered('FRYSCGroupProgramKY', 1.5, true),
  CensusContactSummary: perStudent(2),
  ContactLog: perStudent(0.5),
  Form: perStudent(0.3),
  GiftedStatusKY: perStudent(0.08),
  HealthScreening: perStudent(1),
  ImmCertificate: perStudent(1),
  LepKY: perStudent(0.06),
  MedicaidInsurance: perStudent(0.2),
  ProcessMessage: perStudent(0.1),
  ProgramParticipation: perStudent(0.4),
  TEDSKY: perStudent(0.02),
  VaccineShot: perStudent(8),
  Plan: remembering('Plan', perStudent(0.13)),
  PlanProgressReport: perRemembered('Plan', 3, false),
  TeamMember: function* (context) {
    // The staff of the student's school who sit on each plan's team.
    for (const plan of context.remembered.get('Plan') ?? []) {
      const team = (context.skeleton.staffBySchool[plan.school] ?? []).slice(1, 3);
      for (const member of team) yield { refs: { PersonIdentity: member }, year: plan.year };
    }
  },
  Test: remembering('Test', perStudent(2)),
  TestScore: perRemembered('Test', 3, true),
  Employment: perStaff(1),
  EmploymentBackground: perStaff(1),
  EmploymentCredential: perStaff(1.5),
  EmploymentAssignment: perStaffYear(1.2),
  ISEPResidentialCertification: perSchoolYear,
  ISEPResidentialVerification: perSchoolYear,
};
