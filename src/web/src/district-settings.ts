// The district's setting "Retry records that waited for a parent automatically" (autoRetryDeferred):
// records that failed only because their parent was not at the state are resynced by themselves
// once a later batch lands that parent. Read from GET /api/districts, changed with PATCH
// /api/districts/:d (Write rights; a Read-only user sees it disabled, with the reason). The
// outcome, or why it was not saved, is said beside it.
import { ApiError } from './api';
import { byId } from './dom';
import { describeError, fail } from './messages';
import { mayWrite, on, session, state } from './store';

const box = () => byId('auto-retry', HTMLInputElement);
const blocked = () => byId('auto-retry-blocked');
const status = () => byId('auto-retry-status');

/** A change is being saved. */
let saving = false;

/** The district as the session knows it, with its setting as last read or saved (null: not one of
 *  the session's districts). */
const districtOf = (districtId: string) => state.session?.districts.find((d) => d.districtId === districtId) ?? null;

export const savedText = (on: boolean): string => (on
  ? 'Saved: records that wait for a parent are retried automatically once a later batch lands it.'
  : 'Saved: records that wait for a parent are no longer retried automatically.');

/** Shows the view's district's setting once its table has loaded (a view the API refused shows
 *  none); while a change is being saved, the box is left as the user set it. */
function render(): void {
  const view = state.view;
  const district = view ? districtOf(view.district) : null;
  byId('district-settings').hidden = !district;
  if (!district || saving) return;
  box().checked = district.autoRetryDeferred;
  const writer = mayWrite();
  box().disabled = !writer;
  blocked().hidden = writer;
  // Only what applies is read out: the reason only where it is disabled.
  box().setAttribute('aria-describedby', writer ? 'auto-retry-help' : 'auto-retry-help auto-retry-blocked');
}

function hide(): void {
  byId('district-settings').hidden = true;
  status().textContent = '';
}

async function save(): Promise<void> {
  const view = state.view;
  const district = view ? districtOf(view.district) : null;
  if (!view || !district) return;
  const wanted = box().checked;
  saving = true;
  box().disabled = true;
  status().textContent = 'Saving…';
  try {
    const answer = await session().api.setAutoRetryDeferred(district.districtId, wanted);
    district.autoRetryDeferred = answer.autoRetryDeferred;
    if (state.view !== view) return;
    box().checked = answer.autoRetryDeferred;
    status().textContent = savedText(answer.autoRetryDeferred);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      fail(error);
      return;
    }
    if (state.view !== view) return;
    box().checked = district.autoRetryDeferred;
    status().textContent = `Not saved: ${describeError(error)}`;
  } finally {
    saving = false;
    if (state.view === view) box().disabled = !mayWrite();
  }
}

export function mountDistrictSettings(): void {
  box().addEventListener('change', () => void save());
  on('view', hide);
  on('objects', render);
  on('session', (current) => {
    if (!current) hide();
  });
}
