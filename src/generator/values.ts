// Plausible field values, chosen by field name and type. Vocabulary is small on purpose: the
// point is realistic shapes and sizes, not realistic people.
import type { FieldSpec } from '../domain';
import type { Random } from './random';

const FIRST_NAMES = ['Ava', 'Liam', 'Mia', 'Noah', 'Emma', 'Elijah', 'Olivia', 'James', 'Sophia', 'Lucas', 'Amelia', 'Mateo', 'Harper', 'Levi', 'Aria', 'Ezra', 'Luna', 'Kai', 'Nora', 'Leo'];
const LAST_NAMES = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Martinez', 'Lopez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Whitehorse', 'Begay'];

const VOCABULARY: Record<string, readonly string[]> = {
  gender: ['F', 'M', 'X'],
  excuse: ['Illness', 'Medical', 'Family', 'Unexcused', 'School activity'],
  event_code: ['Tardy', 'Disruption', 'Fighting', 'Bullying', 'Vandalism', 'Truancy'],
  resolution_code: ['Warning', 'Detention', 'Conference', 'In-school suspension', 'Out-of-school suspension'],
  relationship: ['Mother', 'Father', 'Guardian', 'Grandparent', 'Emergency contact'],
  contact_type: ['Phone', 'Email', 'Meeting', 'Letter'],
  subject: ['Math', 'Reading', 'Science', 'Writing', 'Social Studies'],
  employment_type: ['Full time', 'Part time', 'Substitute'],
  title: ['Teacher', 'Principal', 'Counselor', 'Paraprofessional', 'Nurse'],
  degree: ['BA', 'BS', 'MA', 'MEd', 'EdD'],
  credential_type: ['Teaching license', 'Administrator license', 'Endorsement', 'Substitute permit'],
  service_type: ['P', 'S'],
  form_type: ['Emergency card', 'Media release', 'Home language survey', 'Technology agreement'],
  screening_type: ['Vision', 'Hearing', 'Dental', 'Scoliosis', 'BMI'],
  result: ['Pass', 'Refer', 'Rescreen', 'Proficient', 'Basic', 'Advanced'],
  certificate_type: ['Complete', 'Conditional', 'Medical exemption', 'Religious exemption'],
  carrier: ['State Medicaid', 'CHIP', 'Managed care'],
  plan_type: ['IEP', '504', 'ELL', 'Gifted', 'Health'],
  progress: ['Mastered', 'Progressing', 'Some progress', 'No progress', 'Not introduced'],
  program: ['Career and technical', 'Gifted', 'Title I', 'Migrant', 'Homeless', 'Preschool'],
  message_type: ['Enrollment overlap', 'State ID assigned', 'Record merged', 'Transfer request'],
  role: ['Case manager', 'General education teacher', 'Special education teacher', 'Parent', 'Administrator'],
  test_name: ['State Assessment', 'ACT', 'WIDA ACCESS', 'MAP Growth', 'End of Course'],
  tribe: ['Navajo Nation', 'Cherokee Nation', 'Oglala Sioux', 'Hopi', 'Blackfeet'],
  vaccine: ['DTaP', 'Polio', 'MMR', 'Hepatitis B', 'Varicella', 'Tdap', 'Meningococcal'],
  notification: ['First letter', 'Second letter', 'Conference', 'Court referral'],
  bus_route: ['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8'],
  status: ['Active', 'Exited', 'Monitored', 'Eligible', 'Not eligible'],
  service: ['Tutoring', 'Reading support', 'Math support', 'Counseling'],
  area: ['Academic', 'Creative', 'Leadership', 'Visual arts', 'Music'],
  group_code: ['A', 'B', 'C', 'D'],
  diploma_type: ['Standard', 'Advanced', 'Alternate', 'Certificate'],
  attribute: ['Lunch status', 'Home language', 'Military family', 'Foster care'],
  value: ['Free', 'Reduced', 'Paid', 'Spanish', 'English', 'Yes', 'No'],
};

const INT_RANGES: Record<string, readonly [number, number]> = {
  absent_minutes: [15, 420], minutes: [300, 420], minutes_present: [20_000, 70_000], minutes_absent: [0, 6_000],
  instructional_minutes: [64_000, 70_000], section_number: [1, 9], periods: [6, 8], years_experience: [0, 35],
  scale_score: [150, 400], certified_count: [40, 400], verified_count: [40, 400],
};

export interface SchoolYearDates {
  readonly year: number;
}

function dateIn(random: Random, year: number): string {
  // A date of the school year that starts in August of `year`.
  const day = random.int(0, 290);
  const date = new Date(Date.UTC(year, 7, 15 + day));
  return date.toISOString().slice(0, 10);
}

export function fieldValue(field: FieldSpec, random: Random, year: number): string | number | boolean | null {
  const { name, type } = field;
  if (name === 'first_name') return random.pick(FIRST_NAMES);
  if (name === 'last_name') return random.pick(LAST_NAMES);
  if (name === 'birth_date') return `${year - random.int(5, 18)}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`;
  if (name === 'end_date') return random.chance(0.85) ? null : dateIn(random, year);
  switch (type) {
    case 'date':
      return dateIn(random, year);
    case 'bool':
      return random.chance(0.5);
    case 'int': {
      const [min, max] = INT_RANGES[name] ?? [0, 100];
      return random.int(min, max);
    }
    case 'numeric':
      return name === 'fte' ? random.pick([0.5, 0.75, 1]) : Math.round(random.next() * 20_000) / 100;
    case 'text': {
      const words = VOCABULARY[name];
      if (words) return random.pick(words);
      return `${name.slice(0, 3).toUpperCase()}-${random.int(1000, 99_999)}`;
    }
  }
}
