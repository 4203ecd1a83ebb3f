// The district and school year the page shows, kept in the URL hash (#district=1001&year=current)
// so that a view can be linked, reloaded and navigated with Back/Forward.
import type { SchoolYearChoice } from './api-types';
import { byId, h } from './dom';
import { schoolYearLabel } from './format';
import { showError } from './messages';
import { emit, state, type View } from './store';

const YEAR_CHOICES: readonly SchoolYearChoice[] = ['current', 'previous', 'next'];
const isYearChoice = (value: string | null): value is SchoolYearChoice => YEAR_CHOICES.includes(value as SchoolYearChoice);

const districtSelect = () => byId('district', HTMLSelectElement);
const yearSelect = () => byId('year', HTMLSelectElement);

function renderScope(view: View): void {
  const districts = state.session?.districts ?? [];
  // A district user sees only their district; a district typed into the URL is listed anyway so
  // that the select shows what the page tried to open.
  const ids = districts.map((d) => d.districtId);
  if (!ids.includes(view.district)) ids.push(view.district);
  districtSelect().replaceChildren(...ids.map((id) => {
    const known = districts.find((d) => d.districtId === id);
    return h('option', { value: id, selected: id === view.district }, known ? `${known.name} (${id})` : `District ${id}`);
  }));
  const years = districts.find((d) => d.districtId === view.district)?.years;
  yearSelect().replaceChildren(...YEAR_CHOICES
    .filter((choice) => choice === 'current' || (years?.[choice] ?? null) !== null)
    .map((choice) => {
      const schoolYear = years?.[choice] ?? null;
      return h('option', { value: choice, selected: choice === view.year }, schoolYear === null ? choice : `${schoolYearLabel(schoolYear)} (${choice})`);
    }));
}

export interface Scope {
  /** Opens the district and year of the URL hash (or the token's first district, current year). */
  openFromLocation(): Promise<void>;
}

/**
 * Wires the District and School year selects and the hash. `load` fills the panels for a view;
 * before it runs, the `view` event tells every panel that the view changed.
 */
export function mountScope(load: (view: View) => Promise<void>): Scope {
  async function openFromLocation(): Promise<void> {
    const session = state.session;
    if (!session) return;
    // A new view: an error about the previous one no longer applies.
    showError('');
    const params = new URLSearchParams(location.hash.slice(1));
    const fallback = session.role === 'district' ? session.ownDistrict : session.districts[0]?.districtId;
    const district = params.get('district') || fallback;
    const year = params.get('year');
    state.lane = null;
    if (!district) {
      state.view = null;
      showError('No district is registered for this token.');
      return;
    }
    const view: View = { district, year: isYearChoice(year) ? year : 'current' };
    state.view = view;
    renderScope(view);
    emit('view', view);
    await load(view);
  }

  function go(district: string, year: SchoolYearChoice): void {
    const hash = `#district=${encodeURIComponent(district)}&year=${year}`;
    if (location.hash === hash) void openFromLocation();
    else location.hash = hash; // the hashchange listener opens it
  }

  districtSelect().addEventListener('change', () => go(districtSelect().value, 'current'));
  yearSelect().addEventListener('change', () => {
    const year = yearSelect().value;
    if (state.view && isYearChoice(year)) go(state.view.district, year);
  });
  window.addEventListener('hashchange', () => void openFromLocation());
  return { openFromLocation };
}
