// The state's request of a resync of many or all districts in one action (POST /api/state/resyncs):
// all districts or ticked ones; all objects or chosen ones, with Check Dependencies; the school
// year relative to each district's. A confirmation says what will happen, in order, before
// anything starts; then the progress panel follows the request. State users with Write rights only.
import { CATALOG } from '../../domain/catalog';
import type { DistrictSummary, SchoolYearChoice, StateWideBody } from './api-types';
import { byId, fill, h, visuallyHidden } from './dom';
import { formatNumber, plural, schoolYearLabel } from './format';
import { fail, say, showError } from './messages';
import { emit, mayWrite, on, session } from './store';

const form = () => byId('state-wide-form', HTMLFormElement);
const districtList = () => byId('state-wide-district-list');
const objectPicks = () => byId('state-wide-object-picks');
const objectList = () => byId('state-wide-object-list');
const checkDependencies = () => byId('state-wide-check-dependencies', HTMLInputElement);
const yearSelect = () => byId('state-wide-year', HTMLSelectElement);
const requestButton = () => byId('state-wide-request', HTMLButtonElement);

const YEAR_CHOICES: readonly SchoolYearChoice[] = ['current', 'previous', 'next'];
const isYearChoice = (value: string): value is SchoolYearChoice => YEAR_CHOICES.includes(value as SchoolYearChoice);

const chosen = (name: string): boolean => form().querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value === 'chosen';
const ticked = (list: HTMLElement): string[] => [...list.querySelectorAll<HTMLInputElement>('input[type="checkbox"]:checked')].map((box) => box.value);

function renderChoices(districts: readonly DistrictSummary[]): void {
  byId('state-wide-districts-all-label').textContent = `All districts (${formatNumber(districts.length)})`;
  fill(districtList(), districts.map((district) => h('div', { class: 'field-inline' },
    h('input', { type: 'checkbox', id: `state-wide-district-${district.districtId}`, value: district.districtId }),
    h('label', { for: `state-wide-district-${district.districtId}` }, `${district.name} (${district.districtId})`))));
  // The catalog's objects, in the seed's order (as in a district's table); a district is resynced
  // for those that apply to it, and left out, with the reason, when none does.
  fill(objectList(), CATALOG.objects.map((object) => h('div', { class: 'field-inline' },
    h('input', { type: 'checkbox', id: `state-wide-object-${object.name}`, value: object.name }),
    // "District object": not to be confused with the District select of the view below.
    h('label', { for: `state-wide-object-${object.name}` }, object.name, visuallyHidden(' object'),
      object.region ? h('span', { class: 'muted' }, ` (${object.region} only)`) : null))));
}

function showPicks(): void {
  districtList().hidden = !chosen('state-wide-districts');
  objectPicks().hidden = !chosen('state-wide-objects');
}

/** The request the form describes; throws Error with what to fix when it names nothing. */
function requestOf(): StateWideBody {
  const year = yearSelect().value;
  if (!isYearChoice(year)) throw new Error(`unknown school year choice ${year}`);
  const districts = chosen('state-wide-districts') ? ticked(districtList()) : 'all';
  if (districts !== 'all' && districts.length === 0) throw new Error('Tick at least one district, or choose All districts.');
  const objects = chosen('state-wide-objects') ? ticked(objectList()) : 'all';
  if (objects !== 'all' && objects.length === 0) throw new Error('Tick at least one object, or choose All objects.');
  return { districts, objects, checkDependencies: objects !== 'all' && checkDependencies().checked, year };
}

/** "for 2026-27", or "for each district's current school year (2026-27 for 3, 2025-26 for 1)". */
function yearText(districts: readonly DistrictSummary[], year: SchoolYearChoice): string {
  const counts = new Map<number, number>();
  for (const district of districts) {
    const schoolYear = district.years[year];
    if (schoolYear !== null) counts.set(schoolYear, (counts.get(schoolYear) ?? 0) + 1);
  }
  const [only] = counts.keys();
  if (counts.size === 1 && only !== undefined) return `for ${schoolYearLabel(only)} (the ${year} school year)`;
  const each = [...counts].sort(([a], [b]) => b - a).map(([schoolYear, n]) => `${schoolYearLabel(schoolYear)} for ${formatNumber(n)}`);
  return `for each district's ${year} school year${each.length > 0 ? ` (${each.join(', ')})` : ''}`;
}

/**
 * What will happen, in order: which districts and what, that each batch waits in its district's
 * lane, the global throttle, the alert the district cannot refuse, who is left out.
 * @param bound RESYNC_MAX_ACTIVE_DISTRICTS as the API reports it (null: no bound)
 */
export function confirmSteps(body: StateWideBody, all: readonly DistrictSummary[], bound: number | null): string[] {
  const districts = body.districts === 'all' ? all : all.filter((district) => body.districts.includes(district.districtId));
  const ids = districts.map((district) => district.districtId);
  const named = ids.length <= 10 ? ids.join(', ') : `${ids.slice(0, 10).join(', ')} and ${formatNumber(ids.length - 10)} more`;
  const what = body.objects === 'all'
    ? 'A full resync (every object)'
    : `A partial resync of ${body.objects.join(', ')}${body.checkDependencies ? ', with Check Dependencies (their parents first)' : ''}`;
  const notOffered = districts.filter((district) => district.years[body.year] === null).length;
  return [
    `${what} is requested of ${body.districts === 'all' ? 'every district: ' : ''}${plural(districts.length, 'district')} (${named}), ${yearText(districts, body.year)}.`,
    'Each district\'s batch goes to that district\'s lane: it waits behind whatever that district is running or has queued for that school year.',
    bound === null
      ? 'No bound is set on how many districts copy to the state database at once (RESYNC_MAX_ACTIVE_DISTRICTS is 0).'
      : `At most ${plural(bound, 'district')} copy to the state database at once (RESYNC_MAX_ACTIVE_DISTRICTS); the others wait for a copy slot.`,
    'Each district is alerted ("State Resync Requested") and cannot refuse or stop the resync.',
    `Districts not configured to sync the ${body.year} school year${body.objects === 'all' ? '' : ', or to which none of the chosen objects apply,'} `
      + `are left out, with the reason${notOffered > 0 ? ` (${plural(notOffered, 'district')} of those chosen ${notOffered === 1 ? 'is' : 'are'} not configured for it)` : ''}. `
      + 'You can follow the request here, and cancel it while it runs.',
  ];
}

function confirmRequest(steps: readonly string[]): Promise<boolean> {
  const dialog = byId('state-wide-confirm', HTMLDialogElement);
  fill(byId('state-wide-confirm-steps'), steps.map((step) => h('li', {}, step)));
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      requestButton().focus();
      resolve(dialog.returnValue === 'ok');
    }, { once: true });
    dialog.showModal();
  });
}

let requesting = false;

async function request(): Promise<void> {
  if (requesting) return;
  showError('');
  let body: StateWideBody;
  try {
    body = requestOf();
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
    return;
  }
  const { api, districts } = session();
  requesting = true;
  try {
    // The bound in force now (the throttle's, else the configured one), for the confirmation.
    const { maxActiveDistricts } = await api.stateWideList();
    if (!(await confirmRequest(confirmSteps(body, districts, maxActiveDistricts)))) {
      say('State-wide resync not requested.');
      return;
    }
    const started = await api.startStateWide(body);
    const left = started.skipped.length > 0 ? ` ${plural(started.skipped.length, 'district')} left out.` : '';
    say(`State-wide resync ${started.requestId} requested of ${plural(started.districts.length, 'district')}.${left}`);
    emit('state-wide-started', started);
    emit('state-wide-follow', started.requestId);
  } catch (error) {
    fail(error);
  } finally {
    requesting = false;
  }
}

export function mountStateWideRequest(): void {
  form().addEventListener('submit', (event) => {
    event.preventDefault();
    void request();
  });
  form().addEventListener('change', showPicks);
  on('session', (current) => {
    // A district user never sees the state's panel; a Read-only state user sees it without the form.
    byId('state-wide-section').hidden = current?.role !== 'state';
    form().hidden = current?.role !== 'state' || !mayWrite();
    if (current?.role === 'state') {
      form().reset();
      renderChoices(current.districts);
      showPicks();
    }
  });
}
