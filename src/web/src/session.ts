// Signing in with an API token and out again. The token lives in sessionStorage (this tab only)
// so that a reload keeps the user signed in; a 401 from any call ends the session.
import { Api } from './api';
import { byId } from './dom';
import { describeError, say, showError, unsay } from './messages';
import { emit, on, state } from './store';

const TOKEN_KEY = 'state-resync.token';

const elements = () => ({
  form: byId('sign-in-form', HTMLFormElement),
  token: byId('token', HTMLInputElement),
  signIn: byId('sign-in'),
  session: byId('session'),
  who: byId('who'),
  signOut: byId('sign-out', HTMLButtonElement),
  tool: byId('tool'),
});

const SIGNING_IN = 'Signing in…';

/** Checks the token (GET /api/me, /api/districts), then shows the tool and calls `opened`.
 *  Throws the API's error when the token is refused; nothing changes then. */
async function signIn(token: string, opened: () => Promise<void>): Promise<void> {
  const api = new Api(token);
  const me = await api.me();
  const districts = await api.districts();
  sessionStorage.setItem(TOKEN_KEY, token);
  state.session = { api, role: me.role, districts, ownDistrict: me.role === 'district' ? me.districtId : null, rights: me.rights };
  const page = elements();
  const as = me.role === 'state' ? 'the state' : `district ${me.districtId}`;
  page.who.textContent = me.name ? `Signed in as ${me.name} (${as})` : `Signed in as ${as}`;
  page.signIn.hidden = true;
  page.session.hidden = false;
  page.tool.hidden = false;
  showError('');
  emit('session', state.session);
  await opened();
}

function signOut(reason = ''): void {
  sessionStorage.removeItem(TOKEN_KEY);
  Object.assign(state, { session: null, view: null, lane: null });
  emit('session', null);
  const page = elements();
  page.tool.hidden = true;
  page.session.hidden = true;
  page.signIn.hidden = false;
  page.token.value = '';
  say(reason ? '' : 'Signed out.');
  showError(reason);
  page.token.focus();
}

/** Wires the sign-in form and Sign out; signs in again with this tab's saved token. `opened` runs
 *  after each sign-in (opens the district and year of the URL). */
export function mountSession(opened: () => Promise<void>): void {
  const page = elements();
  page.form.addEventListener('submit', (event) => {
    event.preventDefault();
    showError('');
    say(SIGNING_IN);
    // The view opens after the sign-in; a Sign out clicked meanwhile keeps its "Signed out.".
    signIn(page.token.value.trim(), opened).then(() => unsay(SIGNING_IN), (error: unknown) => {
      say('');
      showError(describeError(error));
      page.token.focus();
    });
  });
  page.signOut.addEventListener('click', () => signOut());
  on('unauthorized', (reason) => signOut(reason));

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved, opened).catch((error: unknown) => signOut(describeError(error)));
}
