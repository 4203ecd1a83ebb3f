// The "Resync State Data" page in a real browser (Debian Chromium through playwright-core) against
// the real API, database and Temporal worker: sign-in, the plan dialog, a batch watched live, the
// legend, refusals, history, error details, the state's view, Send Resync held while a batch runs,
// school-year labels, and a screenshot of the table. The page is the built bundle (dist/web, built
// by the global setup), served under a strict Content-Security-Policy: a violation fails the test.
// In-page code is passed as strings: the test project compiles without the DOM library.
import { readFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseTokens } from '../../src/api/auth';
import { STATE_SCHEMA } from '../../src/data/schema/columns';
import { tableName } from '../../src/domain';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { BATCH_TIMEOUT, holdStateTable as holdState, startPageHarness, waitUntil, type PageHarness } from './page-harness';

const RESULTS_DIR = path.resolve(import.meta.dirname, '../../test-results');
const SCREENSHOT = path.join(RESULTS_DIR, 'resync-table.png');
const TEST_TIMEOUT = 120_000;
const NEVER_SYNCED = '1003';
const NEVER_SYNCED_TOKEN = 'test-district-1003-token';

interface ObjectRow {
  object: string;
  processed: number | null;
  errors: number | null;
  sent: number | null;
  colour: string | null;
}

let system: TestSystem;
let harness: PageHarness;
let baseUrl: string;

const api = <T>(token: string, route: string, init: { method?: string; body?: unknown } = {}): Promise<T> => harness.api<T>(token, route, init);
const openPage = (): Promise<Page> => harness.open();
const signIn = (page: Page, token: string): Promise<void> => harness.signIn(page, token);

/** Waits until the API reports the batch in `status` (throws if it ends first). */
async function waitForStatus(token: string, batchId: string, status: string): Promise<void> {
  const deadline = Date.now() + BATCH_TIMEOUT;
  while (Date.now() < deadline) {
    const batch = await api<{ status: string }>(token, `/api/resyncs/${batchId}`);
    if (batch.status === status) return;
    if (!['queued', 'running'].includes(batch.status)) throw new Error(`batch ${batchId} ended (${batch.status}) before it was ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`batch ${batchId} was not ${status} in time`);
}

async function waitForBatch(token: string, batchId: string): Promise<void> {
  const deadline = Date.now() + BATCH_TIMEOUT;
  while (Date.now() < deadline) {
    const batch = await api<{ status: string }>(token, `/api/resyncs/${batchId}`);
    if (!['queued', 'running'].includes(batch.status)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`batch ${batchId} did not finish in time`);
}

/** The table as the page shows it: colour, results text, tooltip, status words, per object. */
async function shownRows(page: Page): Promise<Record<string, { colour: string; results: string; title: string | null; status: string }>> {
  return page.evaluate(`Object.fromEntries([...document.querySelectorAll('#objects tbody tr')].map((tr) => [tr.dataset.object, {
    colour: tr.dataset.colour,
    results: tr.querySelector('.results > span')?.textContent ?? tr.querySelector('.results').textContent,
    title: tr.querySelector('.results > span[title]')?.getAttribute('title') ?? null,
    status: tr.querySelector('.status').textContent,
  }]))`);
}

const formatted = (n: number) => n.toLocaleString('en-US');

/** Every row shows exactly what GET /api/districts/:d/objects says. */
async function expectTableMatchesApi(page: Page, token: string, district: string): Promise<ObjectRow[]> {
  const { objects } = await api<{ objects: ObjectRow[] }>(token, `/api/districts/${district}/objects?year=current`);
  const shown = await shownRows(page);
  expect(Object.keys(shown).sort()).toEqual(objects.map((o) => o.object).sort());
  for (const object of objects) {
    const row = shown[object.object];
    expect(row?.colour, object.object).toBe(object.colour ?? '');
    if (object.processed === null) continue;
    expect(row?.results, object.object).toBe(`${formatted(object.processed)} / ${formatted(object.errors ?? 0)}`);
    expect(row?.title, object.object).toBe(`Sent: ${formatted(object.sent ?? 0)} of ${formatted(object.processed)} processed`);
    expect(row?.status.toLowerCase(), object.object).toContain(object.colour);
  }
  return objects;
}

/** Confirms the dialog and returns the batch the API started. */
async function confirmAndStart(page: Page, url: RegExp): Promise<{ batchId: string; request: unknown }> {
  const [request, response] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && url.test(r.url())),
    page.waitForResponse((r) => r.request().method() === 'POST' && url.test(r.url())),
    page.getByRole('button', { name: 'OK', exact: true }).click(),
  ]);
  expect(response.status()).toBe(202);
  const { batchId } = (await response.json()) as { batchId: string };
  return { batchId, request: request.postDataJSON() };
}

/** Waits until the page has announced the batch's end and reloaded the history with it. */
async function waitForFinishedOnPage(page: Page, batchId: string): Promise<void> {
  await waitUntil(page, `(() => {
    const row = document.querySelector('#history tr[data-batch="${batchId}"]');
    return row && /completed|failed|cancelled/.test(row.textContent) && !document.querySelector('#objects tr[data-colour="gray"]');
  })()`);
}

beforeAll(async () => {
  system = await startTestSystem();
  await system.seed({ districtId: '1001', students: 200 });
  await system.seed({ districtId: '1002', students: 200, seed: 2 });
  // A district nothing was ever resynced of, for the warning before a resync that will fail.
  await system.seed({ districtId: NEVER_SYNCED, students: 100, seed: 3 });
  harness = await startPageHarness({
    ...system.deps,
    tokens: parseTokens(`${TOKENS.state}=state;${TOKENS.district1001}=district:1001;${TOKENS.district1002}=district:1002;${NEVER_SYNCED_TOKEN}=district:${NEVER_SYNCED}`),
  });
  baseUrl = harness.baseUrl;
}, 240_000);

afterEach(async () => {
  await harness.closePages();
});

afterAll(async () => {
  await harness?.stop();
  await system?.stop();
}, 60_000);

describe('the Resync State Data page', () => {
  it('sends a partial resync with Check Dependencies, shows its plan, and follows it live to the API colours', async () => {
    const page = await openPage();
    await signIn(page, TOKENS.district1001);
    expect(await page.locator('#who').textContent()).toContain('district 1001');

    // Record every colour and result each row shows, from before the send to the end: a reload
    // would lose this record (and the marker), so its survival proves the page updated in place.
    await page.evaluate(`(() => {
      window.__sameDocument = true;
      const seen = window.__seen = {};
      const record = (tr) => {
        const list = (seen[tr.dataset.object] ??= []);
        const state = { colour: tr.dataset.colour, results: tr.querySelector('.results').textContent };
        const last = list[list.length - 1];
        if (!last || last.colour !== state.colour || last.results !== state.results) list.push(state);
      };
      const body = document.querySelector('#objects tbody');
      body.querySelectorAll('tr').forEach(record);
      new MutationObserver(() => body.querySelectorAll('tr').forEach(record))
        .observe(body, { subtree: true, childList: true, attributes: true, characterData: true });
    })()`);

    await page.getByLabel('Check Dependencies', { exact: true }).check();
    await page.getByLabel('Select TestScore', { exact: true }).check();
    await page.getByLabel('Select Roster', { exact: true }).check();
    expect(await page.evaluate(`document.getElementById('select-all').indeterminate`)).toBe(true);

    await page.getByRole('button', { name: 'Send Resync' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send Resync?' });
    await dialog.waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('confirm-cancel');

    // The dialog shows the plan the API computes, level by level, with the added parents marked.
    const expected = await api<{ plan: { levels: string[][]; addedByCheckDependencies: string[] } }>(
      TOKENS.district1001, '/api/districts/1001/resyncs/plan', { method: 'POST', body: { objects: ['TestScore', 'Roster'], checkDependencies: true, year: 'current' } });
    const shownPlan = await page.evaluate(`[...document.querySelectorAll('#confirm-plan ol.levels > li')].map((level) =>
      [...level.querySelectorAll('li[data-object]')].map((li) => ({ object: li.dataset.object, added: li.dataset.added === 'true', text: li.textContent })))`) as
      { object: string; added: boolean; text: string }[][];
    expect(shownPlan.map((level) => level.map((entry) => entry.object))).toEqual(expected.plan.levels);
    const added = shownPlan.flat().filter((entry) => entry.added);
    expect(added.map((entry) => entry.object).sort()).toEqual([...expected.plan.addedByCheckDependencies].sort());
    expect(added.length).toBeGreaterThan(0);
    for (const entry of added) expect(entry.text).toContain('added by Check Dependencies');
    for (const entry of shownPlan.flat().filter((e) => ['TestScore', 'Roster'].includes(e.object))) {
      expect(entry.added).toBe(false);
      expect(entry.text).not.toContain('added by Check Dependencies');
    }

    const { batchId, request } = await confirmAndStart(page, /\/api\/districts\/1001\/resyncs$/);
    expect(request).toEqual({ objects: expect.arrayContaining(['TestScore', 'Roster']), checkDependencies: true, year: 'current', method: 'copy' });
    expect((request as { objects: string[] }).objects).toHaveLength(2);
    expect(await page.evaluate('document.activeElement?.id')).toBe('send'); // focus back where it was
    await waitUntil(page, `document.querySelector('#objects tr[data-object="TestScore"]').dataset.colour === 'gray'`);
    await waitForFinishedOnPage(page, batchId);
    expect(await page.locator('#status').textContent()).toMatch(new RegExp(`batch ${batchId} completed`));

    // Each planned object went from never-synced to gray to its final colour, in place.
    const planned = expected.plan.levels.flat();
    const seen = await page.evaluate('window.__seen') as Record<string, { colour: string; results: string }[]>;
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    const objects = await expectTableMatchesApi(page, TOKENS.district1001, '1001');
    for (const name of planned) {
      const history = seen[name] ?? [];
      const colours = history.map((state) => state.colour);
      const final = objects.find((o) => o.object === name)?.colour;
      expect(['green', 'yellow', 'red'], name).toContain(final);
      expect(colours[0], name).toBe('');
      expect(colours.indexOf('gray'), name).toBeGreaterThan(0);
      expect(colours[colours.length - 1], name).toBe(final);
      expect(colours.lastIndexOf('gray'), name).toBeLessThan(colours.length - 1);
      expect(history[0]?.results, name).toContain('—');
    }
    // Objects outside the plan were not touched.
    for (const object of objects.filter((o) => !planned.includes(o.object))) expect(object.colour).toBeNull();

    // Runs in the Temporal UI are for state users (operators): a district's history links to none.
    const batch = await api<{ temporalUi: string | null }>(TOKENS.district1001, `/api/resyncs/${batchId}`);
    expect(batch.temporalUi).toBeNull();
    await page.locator(`#history tr[data-batch="${batchId}"]`).waitFor();
    expect(await page.locator(`#history tr[data-batch="${batchId}"] a`).count()).toBe(0);
  }, TEST_TIMEOUT);

  it('explains the four status colours in the Legend, as the seed does', async () => {
    const page = await openPage();
    await signIn(page, TOKENS.district1001);
    await page.getByRole('button', { name: 'Legend' }).click();
    const legend = page.getByRole('dialog', { name: 'Status legend' });
    await legend.waitFor();
    const entries = await page.evaluate(`[...document.querySelectorAll('#legend dt')].map((dt) => ({
      term: dt.textContent.trim(), dot: dt.querySelector('.dot').className, meaning: dt.nextElementSibling.textContent.trim() }))`);
    expect(entries).toEqual([
      { term: 'Green', dot: 'dot dot-green', meaning: 'Indicates that the sync finished without any errors.' },
      { term: 'Yellow', dot: 'dot dot-yellow', meaning: 'Indicates that the sync finished with less than or equal to 1% of sync attempts resulting in error.' },
      { term: 'Red', dot: 'dot dot-red', meaning: 'Indicates that the sync finished with more than 1% of sync attempts resulting in error.' },
      { term: 'Gray', dot: 'dot dot-gray', meaning: 'Indicates that the sync is currently in-progress.' },
    ]);
    await page.keyboard.press('Escape');
    await waitUntil(page, `!document.getElementById('legend').open`);
    expect(await page.evaluate('document.activeElement?.id')).toBe('legend-open');
  }, TEST_TIMEOUT);

  it('says so when the token is refused (401) or the district is not the token\'s (403)', async () => {
    const page = await openPage();
    await page.goto(`${baseUrl}/`);
    await page.getByLabel('API token', { exact: true }).fill('not-a-valid-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitUntil(page, `document.getElementById('error').textContent.includes('401')`);
    expect(await page.locator('#error').textContent()).toContain('token was not accepted');
    expect(await page.locator('#sign-in').isVisible()).toBe(true);

    await signIn(page, TOKENS.district1001);
    await page.evaluate(`location.hash = '#district=1002&year=current'`);
    await waitUntil(page, `document.getElementById('error').textContent.includes('403')`);
    expect(await page.locator('#error').textContent()).toBe('Access denied (403 Forbidden): this token may only access district 1001.');
    expect(await page.locator('#objects-section').isHidden()).toBe(true);
    expect(await page.locator('#history-section').isHidden()).toBe(true);
  }, TEST_TIMEOUT);

  it('names the running batch when a district resync is refused (409)', async () => {
    const page = await openPage();
    await signIn(page, TOKENS.district1001);
    await page.getByLabel('Select District', { exact: true }).check();
    await page.getByRole('button', { name: 'Send Resync' }).click();
    await page.getByRole('dialog', { name: 'Send Resync?' }).waitFor();
    // Another full resync of the same district and year starts while the user reads the plan.
    const running = await api<{ batchId: string }>(TOKENS.district1001, '/api/districts/1001/resyncs', { method: 'POST', body: { objects: 'all', year: 'current' } });
    await page.getByRole('button', { name: 'OK', exact: true }).click();
    await waitUntil(page, `document.getElementById('error').textContent.includes('${running.batchId}')`);
    expect(await page.locator('#error').textContent()).toContain('already running');
    await waitForBatch(TOKENS.district1001, running.batchId);
  }, TEST_TIMEOUT);

  it('runs a full resync from the select-all box, shows its error details with a CSV download, and saves a screenshot', async () => {
    const page = await openPage();
    await signIn(page, TOKENS.district1002);
    await page.getByLabel('Select all objects (full resync)', { exact: true }).check();
    expect(await page.evaluate(`[...document.querySelectorAll('#objects tbody input.pick-one')].every((box) => box.checked)`)).toBe(true);
    await page.getByRole('button', { name: 'Send Resync' }).click();
    await page.getByRole('dialog', { name: 'Send Resync?' }).waitFor();
    const full = await api<{ plan: { levels: string[][] }; records: Record<string, number> }>(
      TOKENS.district1002, '/api/districts/1002/resyncs/plan', { method: 'POST', body: { objects: 'all', year: 'current' } });
    const fullRecords = Object.values(full.records).reduce((sum, n) => sum + n, 0);
    expect(await page.locator('#confirm-summary').textContent())
      .toBe(`Send a full resync of all ${full.plan.levels.flat().length} objects (about ${formatted(fullRecords)} records) of district 1002 for 2026-27 to the state.`);
    const { batchId, request } = await confirmAndStart(page, /\/api\/districts\/1002\/resyncs$/);
    expect(request).toEqual({ objects: 'all', checkDependencies: false, year: 'current', method: 'copy' });
    await waitForFinishedOnPage(page, batchId);
    await expectTableMatchesApi(page, TOKENS.district1002, '1002');

    // A tall window: the whole table in one picture, nothing sticky over it.
    await mkdir(RESULTS_DIR, { recursive: true });
    await page.setViewportSize({ width: 1366, height: 2400 });
    await page.locator('#objects-section').screenshot({ path: SCREENSHOT });
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(10_000);
    await page.setViewportSize({ width: 1366, height: 900 });

    // Error details: the reason counts the API gives, grouped by reason, and the CSV file.
    const errors = await api<{ total: number; reasons: { reasonCode: string; object: string; count: number }[] }>(
      TOKENS.district1002, `/api/resyncs/${batchId}/errors?limit=1`);
    expect(errors.total).toBeGreaterThan(0); // the generator marks some records as not allowed to sync
    await page.locator(`#history tr[data-batch="${batchId}"]`).getByRole('button', { name: /Error details/ }).click();
    await page.locator('#errors-reasons tbody').first().waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('errors-title');
    const groups = await page.evaluate(`[...document.querySelectorAll('#errors-reasons tbody')].map((group) => ({
      reason: group.querySelector('th .code').textContent,
      rows: [...group.querySelectorAll('tr')].map((tr) => [tr.querySelector('td').textContent, tr.querySelector('td.num').textContent]) }))`) as
      { reason: string; rows: [string, string][] }[];
    expect(groups.map((g) => g.reason).sort()).toEqual([...new Set(errors.reasons.map((r) => r.reasonCode))].sort());
    for (const reason of errors.reasons) {
      const group = groups.find((g) => g.reason === reason.reasonCode);
      expect(group?.rows).toContainEqual([reason.object, formatted(reason.count)]);
    }
    expect(await page.locator('#errors-list tbody tr[data-record]').count()).toBe(Math.min(errors.total, 20));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`resync-${batchId}-errors.csv`);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('object,record_id,reason_code,reason,logged_at,cause_object,cause_record_id,record,person,local_id,state_id,school,school_number,calendar,cause_record');
    expect(lines).toHaveLength(errors.total + 1);
  }, TEST_TIMEOUT);

  it('lets the state request a resync of a district, which the district sees without its objects', async () => {
    const page = await openPage();
    await signIn(page, TOKENS.state);
    expect(await page.locator('#who').textContent()).toContain('the state');
    await page.getByLabel('District', { exact: true }).selectOption('1002');
    await waitUntil(page, `document.getElementById('objects').dataset.view === '1002:current'`);
    await page.getByLabel('Select School', { exact: true }).check();
    await page.getByRole('button', { name: 'Request Resync' }).click();
    await page.getByRole('dialog', { name: 'Request Resync?' }).waitFor();
    // It reads in order: what is requested, of which district and year, then what follows from it;
    // the plan comes after.
    const preview = await api<{ records: Record<string, number> }>(
      TOKENS.state, '/api/districts/1002/resyncs/plan', { method: 'POST', body: { objects: ['School'], year: 'current' } });
    const schoolRecords = formatted(preview.records.School ?? -1);
    expect(await page.locator('#confirm-summary').textContent()).toBe(
      `Request a partial resync of 1 selected object (about ${schoolRecords} records) of district 1002 for 2026-27. `
      + 'The district cannot stop a state request; if a batch of that district and year is queued or running, this one waits behind it.');
    expect(await page.evaluate(`[...document.querySelectorAll('#confirm > *')].map((element) => element.id || element.tagName.toLowerCase())`))
      .toEqual(['confirm-title', 'confirm-summary', 'confirm-warning', 'confirm-method', 'confirm-status', 'confirm-order', 'confirm-plan', 'form']);
    expect(await page.locator('#confirm-order').textContent()).toBe('Parents first, in this order:');
    const { batchId } = await confirmAndStart(page, /\/api\/state\/districts\/1002\/resync-requests$/);
    await waitForFinishedOnPage(page, batchId);
    const alert = page.locator('#alerts li', { hasText: 'State Resync Requested' });
    await alert.first().waitFor();
    expect(await alert.first().textContent()).toContain('Vertical Interoperability');

    const district = await openPage();
    await signIn(district, TOKENS.district1002);
    const row = district.locator(`#history tr[data-batch="${batchId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-hidden')).toBe('true');
    const text = await row.textContent();
    expect(text).toContain('State');
    expect(text).toContain('completed');
    expect(text).toContain('objects not shown');
    expect(await row.locator('button, a').count()).toBe(0);
    // The alerts are read beside the history, not after it: wait for them too.
    await district.locator('#alerts li', { hasText: 'State Resync Requested' }).first().waitFor();
  }, TEST_TIMEOUT);
  it('shows Sign out only to a signed-in user, and heads the object column "Resync Object" as the seed does', async () => {
    const page = await openPage();
    await page.goto(`${baseUrl}/`);
    await page.getByLabel('API token', { exact: true }).waitFor();
    expect(await page.locator('#sign-out').isVisible()).toBe(false);
    expect(await page.locator('#who').isVisible()).toBe(false);

    await signIn(page, TOKENS.district1001);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    expect(await page.evaluate(`[...document.querySelectorAll('#objects thead th')].slice(1).map((th) => th.firstChild.textContent.trim())`))
      .toEqual(['Resync Object', 'Last Resync', 'Results', 'Status']);
    expect(await page.getByRole('columnheader', { name: 'Resync Object', exact: true }).count()).toBe(1);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token', { exact: true }).waitFor();
    expect(await page.locator('#sign-out').isVisible()).toBe(false);
    expect(await page.locator('#status').textContent()).toBe('Signed out.');

    // Signed out while the view still opened (its objects answer late): "Signed out." stays.
    await page.route('**/objects?*', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue().catch(() => undefined);
    });
    await page.getByLabel('API token', { exact: true }).fill(TOKENS.district1001);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token', { exact: true }).waitFor();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await page.locator('#status').textContent()).toBe('Signed out.');
  }, TEST_TIMEOUT);

  it('clears a stale error when the user moves to another district or school year', async () => {
    const page = await openPage();
    await signIn(page, TOKENS.district1001);
    await page.evaluate(`location.hash = '#district=1002&year=current'`);
    await waitUntil(page, `document.getElementById('error').textContent.includes('403')`);

    await page.getByLabel('District', { exact: true }).selectOption('1001');
    await waitUntil(page, `location.hash === '#district=1001&year=current' && document.getElementById('objects').dataset.view === '1001:current'`);
    expect(await page.locator('#error').textContent()).toBe('');
    expect(await page.locator('#error').isVisible()).toBe(false);
    expect(await page.locator('#objects-section').isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Send Resync' }).click();
    expect(await page.locator('#error').textContent()).toBe('Select at least one object to resync (the checkbox in the header selects all of them).');
    await page.getByLabel('School year', { exact: true }).selectOption('previous');
    await waitUntil(page, `location.hash === '#district=1001&year=previous' && document.getElementById('objects').dataset.view === '1001:previous'`);
    expect(await page.locator('#error').textContent()).toBe('');

    await page.getByRole('button', { name: 'Send Resync' }).click();
    expect(await page.locator('#error').textContent()).toContain('Select at least one object');
    await page.goBack();
    await waitUntil(page, `location.hash === '#district=1001&year=current'`);
    await waitUntil(page, `document.getElementById('error').textContent === ''`);
  }, TEST_TIMEOUT);

  it('holds Send Resync, with the reason beside it, while a batch of the district and year is running', async () => {
    // A real batch that stays running for as long as the test needs: its copy into the state's
    // District table waits for a lock the test holds.
    const lock = await system.db.sql.reserve();
    let batchId = '';
    const planRequests: string[] = [];
    let district: Page | undefined;
    try {
      await lock`begin`;
      await lock`lock table ${lock(STATE_SCHEMA)}.${lock(tableName('District'))} in access exclusive mode`;
      ({ batchId } = await api<{ batchId: string }>(TOKENS.district1001, '/api/districts/1001/resyncs', { method: 'POST', body: { objects: ['District'], year: 'current' } }));
      await waitForStatus(TOKENS.district1001, batchId, 'running');

      district = await openPage();
      district.on('request', (request) => {
        if (request.method() === 'POST') planRequests.push(request.url());
      });
      await signIn(district, TOKENS.district1001);
      await waitUntil(district, `document.getElementById('send').getAttribute('aria-disabled') === 'true'`);
      expect(await district.getByRole('button', { name: 'Send Resync' }).isDisabled()).toBe(true);
      expect(await district.locator('#send-blocked').isVisible()).toBe(true);
      expect(await district.locator('#send-blocked').textContent())
        .toBe(`A resync of district 1001 for 2026-27 is running (batch ${batchId}). Send Resync is available again when it has finished.`);
      await mkdir(RESULTS_DIR, { recursive: true });
      await district.locator('#objects-section .actions').screenshot({ path: path.join(RESULTS_DIR, 'send-held.png') });
      // Pressing it anyway sends nothing (checked once the batch has ended: no plan, no resync).
      await district.getByLabel('Select Roster', { exact: true }).check();
      await district.evaluate(`document.getElementById('send').click()`);

      // The state's Request Resync for that district and year is held too.
      const state = await openPage();
      await signIn(state, TOKENS.state);
      await state.evaluate(`location.hash = '#district=1001&year=current'`);
      await waitUntil(state, `document.getElementById('send').getAttribute('aria-disabled') === 'true'`);
      expect(await state.locator('#send-blocked').textContent())
        .toBe(`A resync of district 1001 for 2026-27 is running (batch ${batchId}). Request Resync is available again when it has finished.`);
      // Another school year of the district is free.
      await state.getByLabel('School year', { exact: true }).selectOption('next');
      await waitUntil(state, `location.hash === '#district=1001&year=next' && document.getElementById('objects').dataset.view === '1001:next'`);
      await state.locator('#history tbody tr').first().waitFor();
      expect(await state.getByRole('button', { name: 'Request Resync' }).isDisabled()).toBe(false);
      expect(await state.locator('#send-blocked').isVisible()).toBe(false);
    } finally {
      await lock`commit`;
      lock.release();
    }
    await waitForBatch(TOKENS.district1001, batchId);
    if (!district) throw new Error('the district page did not open');
    await waitUntil(district, `!document.getElementById('send').hasAttribute('aria-disabled')`);
    expect(await district.locator('#send-blocked').isVisible()).toBe(false);
    expect(await district.locator('#send-blocked').textContent()).toBe('');
    expect(await district.getByRole('dialog').count()).toBe(0);
    expect(planRequests).toEqual([]);
  }, TEST_TIMEOUT);

  it('writes every school year as a label (2026-27), never a bare year', async () => {
    const page = await openPage();
    await signIn(page, TOKENS.state);
    await page.evaluate(`location.hash = '#district=1002&year=current'`);
    await waitUntil(page, `document.getElementById('objects').dataset.view === '1002:current' && document.querySelector('#history tbody tr[data-batch]')`);
    const { districts } = await api<{ districts: { districtId: string; years: Record<string, number | null> }[] }>(TOKENS.state, '/api/districts');
    const years = districts.find((d) => d.districtId === '1002')?.years ?? {};
    const label = (year: number) => `${year}-${String((year + 1) % 100).padStart(2, '0')}`;
    expect(await page.evaluate(`[...document.querySelectorAll('#year option')].map((option) => option.textContent)`)).toEqual(
      (['current', 'previous', 'next'] as const).filter((choice) => years[choice] !== null && years[choice] !== undefined)
        .map((choice) => `${label(years[choice] as number)} (${choice})`));
    expect(years.current).toBe(2026);
    expect(await page.locator('#objects-intro').textContent()).toContain('for 2026-27 (current year)');
    expect(new Set(await page.evaluate(`[...document.querySelectorAll('#history tbody tr[data-batch] td:nth-child(2)')].map((td) => td.textContent)`) as string[]))
      .toEqual(new Set(['2026-27']));

    // With the plan dialog open: nowhere on the page (dates and times aside) a bare year.
    await page.getByLabel('Select School', { exact: true }).check();
    await page.getByRole('button', { name: 'Request Resync' }).click();
    await page.getByRole('dialog', { name: 'Request Resync?' }).waitFor();
    const text = await page.evaluate(`(() => {
      const copy = document.body.cloneNode(true);
      copy.querySelectorAll('time').forEach((time) => time.remove());
      return copy.textContent;
    })()`) as string;
    expect(text).toContain('of district 1002 for 2026-27.');
    const bare = [...text.matchAll(/\b(?:19|20)\d\d\b(?!-\d\d(?!\d))/g)].map((match) => text.slice(Math.max(0, match.index - 40), match.index + 10).replace(/\s+/g, ' '));
    expect(bare).toEqual([]);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await waitUntil(page, `document.getElementById('status').textContent === 'Resync not sent.'`);
  }, TEST_TIMEOUT);
});

/** Holds a state table locked: a batch copying that object waits, running, until released. */
const holdStateTable = (object: string) => holdState(system.db.sql, object);

/** Waits until the page's status line has said `text` (it may have moved on since: live updates
 *  announce what happens elsewhere in the same polite region). */
async function waitUntilSaid(page: Page, text: string): Promise<void> {
  await waitUntil(page, `window.__said.includes(${JSON.stringify(text)})`);
}

/** Opens a page signed in with `token`, on district `district` (the current year). */
async function openOn(token: string, district: string): Promise<Page> {
  const page = await openPage();
  await signIn(page, token);
  await page.evaluate(`location.hash = '#district=${district}&year=current'`);
  await waitUntil(page, `document.getElementById('objects').dataset.view === '${district}:current' && document.querySelector('#history tbody tr')`);
  // A reload would lose this marker: its survival proves the page updated in place.
  await page.evaluate(`(() => {
    window.__sameDocument = true;
    const said = window.__said = [];
    const status = document.getElementById('status');
    new MutationObserver(() => said.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
  })()`);
  return page;
}

/** A full resync of district 1002 ended, then a page opened on it: the batch, and the row of
 *  AttendanceExactCount (yellow or red: some of its records hang from state-excluded enrollments). */
async function afterFullResyncOf1002(): Promise<{ full: string; page: Page; row: Locator }> {
  const { batchId: full } = await api<{ batchId: string }>(TOKENS.district1002, '/api/districts/1002/resyncs', { method: 'POST', body: { objects: 'all', year: 'current' } });
  await waitForBatch(TOKENS.district1002, full);
  const page = await openOn(TOKENS.district1002, '1002');
  return { full, page, row: page.locator('#objects tr[data-object="AttendanceExactCount"]') };
}

interface VisibleBatchView { batchId: string; startedAt: string; cancelRequestedBy: string | null; cancelRequestedAt: string | null; objects: { object: string; startedAt: string }[] }

describe('the page stays live and lets people act', () => {
  it('shows batches started elsewhere within seconds, without a reload: the banner, gray dots, the history row, the alert; a district sees that a state resync runs, never its objects', async () => {
    const district = await openOn(TOKENS.district1001, '1001');
    const state = await openOn(TOKENS.state, '1001');
    const alertsBefore = await district.locator('#alerts li[data-alert]').count();
    const release = await holdStateTable('District');
    let own = '';
    let requested = '';
    try {
      // Started through the API (as the CLI, a schedule or a colleague would): the pages were not told.
      ({ batchId: own } = await api<{ batchId: string }>(TOKENS.district1001, '/api/districts/1001/resyncs',
        { method: 'POST', body: { objects: ['District', 'School'], year: 'current' } }));
      for (const page of [district, state]) {
        await waitUntil(page, `document.querySelector('#live li[data-batch="${own}"]')`);
        await waitUntil(page, `document.querySelector('#objects tr[data-object="District"]').dataset.colour === 'gray'`);
        await waitUntil(page, `document.querySelector('#history tr[data-batch="${own}"]')`);
        await waitUntil(page, `document.getElementById('send').getAttribute('aria-disabled') === 'true'`);
      }
      const item = district.locator(`#live li[data-batch="${own}"]`);
      expect(await item.locator('.live-title').textContent()).toBe('Resync in progress');
      expect(await item.textContent()).toContain('district:1001 requested a partial resync of District, School of district 1001 for 2026-27 at ');
      await mkdir(RESULTS_DIR, { recursive: true });
      await district.locator('#live').screenshot({ path: path.join(RESULTS_DIR, 'live-banner.png') });

      ({ batchId: requested } = await api<{ batchId: string }>(TOKENS.state, '/api/state/districts/1001/resync-requests',
        { method: 'POST', body: { objects: ['CourseCode'], year: 'current' } }));
      // The district learns that the state requested a resync, never which objects, and cannot stop it.
      const stateItem = district.locator(`#live li[data-batch="${requested}"]`);
      await stateItem.waitFor();
      expect(await stateItem.locator('.live-title').textContent()).toBe('State resync queued');
      const said = await stateItem.textContent();
      expect(said).toMatch(new RegExp(`^State resync queuedThe state requested a resync of district 1001 for 2026-27 at [^;]+; it runs when the batch ahead of it has finished\\. The district cannot stop a resync the state requested\\.Batch ${requested}\\.$`));
      expect(said).not.toContain('CourseCode');
      expect(await stateItem.locator('button').count()).toBe(0);
      await waitUntil(district, `document.querySelectorAll('#alerts li[data-alert]').length > ${alertsBefore}`);
      expect(await district.locator('#alerts li', { hasText: 'State Resync Requested' }).count()).toBeGreaterThan(0);
      // The state sees what it requested, and may cancel it.
      const onState = state.locator(`#live li[data-batch="${requested}"]`);
      await onState.waitFor();
      expect(await onState.textContent()).toContain('state requested a partial resync of CourseCode of district 1001 for 2026-27');
      expect(await onState.getByRole('button', { name: `Cancel resync batch ${requested}` }).count()).toBe(1);
    } finally {
      await release();
    }
    await waitForBatch(TOKENS.state, requested);
    for (const page of [district, state]) {
      await waitForFinishedOnPage(page, own);
      await waitUntil(page, `(() => {
        const row = document.querySelector('#history tr[data-batch="${requested}"]');
        return row && /completed/.test(row.textContent) && document.getElementById('live').hidden;
      })()`);
      await waitUntil(page, `!document.getElementById('send').hasAttribute('aria-disabled')`);
      expect(await page.evaluate('window.__sameDocument')).toBe(true);
    }
    await expectTableMatchesApi(district, TOKENS.district1001, '1001');
    // The state's batch shows in the state's table, never in the district's.
    await waitUntil(state, `document.querySelector('#objects tr[data-object="CourseCode"]').dataset.batch === '${requested}'`);
    expect(await district.evaluate(`[...document.querySelectorAll('#objects tr[data-batch]')].map((tr) => tr.dataset.batch)`)).not.toContain(requested);

    // Last Resync is when the object itself started: School, a level after District, started later.
    const batch = await api<VisibleBatchView & { startedAt: string }>(TOKENS.district1001, `/api/resyncs/${own}`);
    const school = batch.objects.find((object) => object.object === 'School');
    expect(school && new Date(school.startedAt) > new Date(batch.startedAt)).toBe(true);
    const time = district.locator('#objects tr[data-object="School"] td.last time');
    expect(await time.getAttribute('datetime')).toBe(school?.startedAt);
    expect(await time.getAttribute('title')).toBe(`${await time.textContent()}: when the last resync of School started (batch ${own})`);
    expect(await district.locator('#objects thead th', { hasText: 'Last Resync' }).getAttribute('title')).toBe('When the last resync of each object started');
  }, TEST_TIMEOUT);

  it('cancels from the page: a district its own running batch, the state a queued request; no Cancel where the reader may not', async () => {
    const district = await openOn(TOKENS.district1001, '1001');
    const state = await openOn(TOKENS.state, '1001');
    const release = await holdStateTable('District');
    let own = '';
    let requested = '';
    try {
      ({ batchId: own } = await api<{ batchId: string }>(TOKENS.district1001, '/api/districts/1001/resyncs', { method: 'POST', body: { objects: ['District'], year: 'current' } }));
      await waitForStatus(TOKENS.district1001, own, 'running');
      ({ batchId: requested } = await api<{ batchId: string }>(TOKENS.state, '/api/state/districts/1001/resync-requests', { method: 'POST', body: { objects: ['School'], year: 'current' } }));
      // The district may cancel its own batch, not the state's: no control for it anywhere.
      await district.locator(`#live li[data-batch="${own}"]`).getByRole('button', { name: `Cancel resync batch ${own}` }).waitFor();
      await district.locator(`#live li[data-batch="${requested}"]`).waitFor();
      await district.locator(`#history tr[data-batch="${requested}"]`).waitFor();
      expect(await district.locator(`#live li[data-batch="${requested}"] button`).count()).toBe(0);
      expect(await district.locator(`#history tr[data-batch="${requested}"] button`).count()).toBe(0);

      // The state withdraws its queued request, from the history.
      await state.locator(`#history tr[data-batch="${requested}"]`).getByRole('button', { name: `Cancel resync batch ${requested}` }).click();
      await state.getByRole('dialog', { name: 'Cancel this resync?' }).waitFor();
      expect(await state.locator('#cancel-text').textContent()).toBe(
        `Cancel batch ${requested}, a state-requested partial resync (School) of district 1001 for 2026-27? It has not started: it is withdrawn and nothing is sent.`);
      expect(await state.evaluate('document.activeElement?.id')).toBe('cancel-keep');
      await state.getByRole('button', { name: 'Cancel resync', exact: true }).click();
      await waitUntilSaid(state, `Resync batch ${requested} withdrawn: it had not started.`);

      // The district cancels its running batch, from the banner.
      await district.locator(`#live li[data-batch="${own}"]`).getByRole('button', { name: `Cancel resync batch ${own}` }).click();
      await district.getByRole('dialog', { name: 'Cancel this resync?' }).waitFor();
      expect(await district.locator('#cancel-text').textContent()).toBe(`Cancel batch ${own}, a partial resync (District) of district 1001 for 2026-27? `
        + 'It stops after the page it is copying; what it has sent stays at the state, and objects not finished show as cancelled.');
      await district.getByRole('button', { name: 'Cancel resync', exact: true }).click();
      await waitUntilSaid(district, `Resync batch ${own} is being cancelled: it stops after the page it is copying.`);
      await waitUntil(district, `document.querySelector('#live li[data-batch="${own}"] .cancelling')`);
      expect(await district.locator(`#live li[data-batch="${own}"] .cancelling`).textContent()).toMatch(/^Cancelling: asked by district:1001 at .+\.$/);
    } finally {
      await release();
    }
    await waitForBatch(TOKENS.state, own);
    await waitForBatch(TOKENS.state, requested);
    // Each outcome reads "cancelled by <who> at <time>", the time in the reader's words.
    const history = await api<{ batches: VisibleBatchView[] }>(TOKENS.state, '/api/districts/1001/history?limit=20');
    for (const [page, batchId, who, rest] of [[district, own, 'district:1001', ''], [state, requested, 'state', ' (before it started)']] as const) {
      const entry = history.batches.find((b) => b.batchId === batchId);
      expect(entry?.cancelRequestedBy).toBe(who);
      await waitUntil(page, `document.querySelector('#history tr[data-batch="${batchId}"]')?.textContent.includes('cancelled by ${who} at')`);
      const cell = page.locator(`#history tr[data-batch="${batchId}"] td:nth-child(5)`);
      expect(await cell.locator('time').getAttribute('datetime')).toBe(entry?.cancelRequestedAt);
      expect(await cell.textContent()).toBe(`cancelled by ${who} at ${await cell.locator('time').textContent()}${rest}`);
      expect(await page.locator(`#history tr[data-batch="${batchId}"] button.cancel-batch`).count()).toBe(0);
    }
    // The district sees the state's batch as cancelled, nothing more.
    await waitUntil(district, `document.querySelector('#history tr[data-batch="${requested}"] td:nth-child(5)')?.textContent === 'cancelled'`);
  }, TEST_TIMEOUT);

  it('warns before a partial resync that will fail, names the parents and about how many records; one click adds them and plans again', async () => {
    const page = await openPage();
    await signIn(page, NEVER_SYNCED_TOKEN);
    await page.getByLabel('Select TestScore', { exact: true }).check();
    await page.getByRole('button', { name: 'Send Resync' }).click();
    await page.getByRole('dialog', { name: 'Send Resync?' }).waitFor();
    await page.locator('#confirm-warning-title').waitFor();

    const preview = await api<{ records: Record<string, number>; warning: { failing: number; add: string[] } }>(NEVER_SYNCED_TOKEN,
      `/api/districts/${NEVER_SYNCED}/resyncs/plan`, { method: 'POST', body: { objects: ['TestScore'], checkDependencies: false, year: 'current' } });
    const scores = preview.records.TestScore ?? -1;
    expect(preview.warning.failing).toBe(scores); // every TestScore record: none of its parents is at the state
    expect(await page.locator('#confirm-warning-title').textContent()).toBe(`About ${formatted(scores)} of ${formatted(scores)} records will fail`);
    const parents = ['District', 'School', 'Calendar', 'ScheduleStructure', 'PersonIdentity', 'Test'];
    expect(await page.evaluate(`[...document.querySelectorAll('#confirm-warning li[data-parent]')].map((li) => li.dataset.parent)`)).toEqual(parents);
    const [persons] = await system.district.sql.unsafe(`select count(*)::int as n from district_${NEVER_SYNCED}.person_identity`);
    expect(await page.locator('#confirm-warning li[data-parent="PersonIdentity"]').textContent())
      .toBe(`PersonIdentity: never resynced; 0 of ${formatted(Number(persons?.n))} records at the state. Needed by TestScore, Test.`);
    expect(await page.locator('#confirm-warning').textContent()).toContain(`Records that will fail: TestScore about ${formatted(scores)} of ${formatted(scores)}.`);
    await mkdir(RESULTS_DIR, { recursive: true });
    await page.locator('#confirm').screenshot({ path: path.join(RESULTS_DIR, 'plan-warning.png') });

    // One click: the missing parents join the selection, the plan is made again, the warning goes.
    await page.getByRole('button', { name: 'Add the 6 missing parents' }).click();
    await waitUntil(page, `document.getElementById('confirm-fixed')`);
    expect(await page.locator('#confirm-fixed').textContent()).toBe(`Added ${parents.join(', ')}. No record is expected to fail for a missing parent now.`);
    expect(await page.evaluate('document.activeElement?.id')).toBe('confirm-fixed');
    const fixed = await api<{ plan: { levels: string[][] }; records: Record<string, number>; warning: unknown }>(NEVER_SYNCED_TOKEN,
      `/api/districts/${NEVER_SYNCED}/resyncs/plan`, { method: 'POST', body: { objects: ['TestScore', ...parents], checkDependencies: false, year: 'current' } });
    expect(fixed.warning).toBeNull();
    expect(await page.evaluate(`[...document.querySelectorAll('#confirm-plan ol.levels > li')].map((level) => [...level.querySelectorAll('li[data-object]')].map((li) => li.dataset.object))`))
      .toEqual(fixed.plan.levels);
    const total = Object.values(fixed.records).reduce((sum, n) => sum + n, 0);
    expect(await page.locator('#confirm-summary').textContent()).toBe(`Send a partial resync of 7 selected objects (about ${formatted(total)} records) of district ${NEVER_SYNCED} for 2026-27 to the state.`);
    const { batchId, request } = await confirmAndStart(page, new RegExp(`/api/districts/${NEVER_SYNCED}/resyncs$`));
    expect(request).toEqual({ objects: ['TestScore', ...parents], checkDependencies: false, year: 'current', method: 'copy' });
    await waitForFinishedOnPage(page, batchId);
    const rows = await shownRows(page);
    expect(rows.TestScore).toMatchObject({ colour: 'green', results: `${formatted(scores)} / 0` });

    // The other click: Check Dependencies, for Roster alone (its Enrollment and grade levels were never sent).
    await page.getByLabel('Select Roster', { exact: true }).check();
    await page.getByRole('button', { name: 'Send Resync' }).click();
    await page.locator('#confirm-warning-title').waitFor();
    expect(await page.evaluate(`[...document.querySelectorAll('#confirm-warning li[data-parent]')].map((li) => li.dataset.parent)`)).toEqual(['Enrollment', 'StructureGradeLevel']);
    await page.getByRole('button', { name: 'Turn on Check Dependencies' }).click();
    await waitUntil(page, `document.getElementById('confirm-fixed')`);
    expect(await page.locator('#confirm-fixed').textContent()).toBe('Check Dependencies turned on. No record is expected to fail for a missing parent now.');
    const added = await page.evaluate(`[...document.querySelectorAll('#confirm-plan li[data-added="true"]')].map((li) => li.dataset.object)`) as string[];
    expect(added).toEqual(expect.arrayContaining(['StructureGradeLevel', 'Enrollment']));
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await waitUntil(page, `document.getElementById('status').textContent === 'Resync not sent.'`);
  }, TEST_TIMEOUT);

  it('opens a red row\'s errors in place: each record named by its person, school and calendar, grouped under the record that caused it', async () => {
    const { batchId } = await api<{ batchId: string }>(TOKENS.district1002, '/api/districts/1002/resyncs', { method: 'POST', body: { objects: 'all', year: 'current' } });
    await waitForBatch(TOKENS.district1002, batchId);
    const page = await openOn(TOKENS.district1002, '1002');
    const row = page.locator('#objects tr[data-object="AttendanceExactCount"]');
    expect(await row.getAttribute('data-colour')).toMatch(/^(yellow|red)$/);
    expect(await page.locator('#objects tr[data-colour="green"] button.show-errors').count()).toBe(0);
    await row.getByRole('button', { name: 'Show errors of AttendanceExactCount' }).click();
    const panel = page.locator('#errors-of-AttendanceExactCount');
    await panel.locator('tr[data-record]').first().waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('errors-of-AttendanceExactCount-title');
    expect(await row.getAttribute('aria-expanded')).toBe('true');

    interface Named { label: string; summary: string | null }
    const errors = await api<{ total: number; causes: { total: number; groups: { cause: { recordId: number; record: Named }; count: number }[] }; errors: { recordId: number; cause: { recordId: number } | null; record: Named }[] }>(
      TOKENS.district1002, `/api/resyncs/${batchId}/errors?object=AttendanceExactCount&order=cause&limit=20`);
    // The causes, largest first, each a sentence naming the record that made the others fail
    // (the panel fills them after it opened: wait for them, as under a loaded machine they came later).
    await panel.locator('.causes li').first().waitFor();
    expect(await panel.locator('.causes li').allTextContents()).toEqual(errors.causes.groups.map((group) =>
      `Enrollment ${group.cause.recordId} (${group.cause.record.label}) is a state-excluded enrollment → ${group.count} AttendanceExactCount record${group.count === 1 ? '' : 's'}`));
    // Each record named from the district's own data.
    const first = errors.errors[0];
    const [context] = await system.district.sql.unsafe(`select p.first_name, p.last_name, p.local_id, s.name as school, s.school_number, c.name as calendar
      from district_1002.attendance_exact_count a join district_1002.enrollment e on e.id = a.enrollment_id
      join district_1002.person_identity p on p.id = e.person_identity_id join district_1002.schedule_structure ss on ss.id = p.schedule_structure_id
      join district_1002.calendar c on c.id = ss.calendar_id join district_1002.school s on s.id = c.school_id where a.id = ${first?.recordId ?? 0}`);
    const label = `${context?.first_name} ${context?.last_name} (local ID ${context?.local_id}) · ${context?.school} (school ${context?.school_number}) · ${context?.calendar}`;
    expect(first?.record.label).toBe(label);
    // Grouped: one header per cause on the page, naming it (the enrollment's person, school and
    // calendar are the record's: the rows under it then show only the record's own values).
    const heads = await panel.locator('tr.cause-head').allTextContents();
    expect(heads.length).toBe(new Set(errors.errors.map((e) => e.cause?.recordId)).size);
    expect(heads[0]).toBe(`Caused by Enrollment ${first?.cause?.recordId} (${label}) is a state-excluded enrollment`);
    const cell = panel.locator(`tr[data-record="AttendanceExactCount:${first?.recordId}"] td.record`);
    expect(await cell.locator('.record-name').count()).toBe(0);
    expect(await cell.textContent()).toBe(`${first?.recordId}${first?.record.summary}`);
    expect(await panel.locator('tr[data-record]').count()).toBe(Math.min(errors.total, 20));
    await mkdir(RESULTS_DIR, { recursive: true });
    await page.locator('#objects-section .table-wrap').screenshot({ path: path.join(RESULTS_DIR, 'errors-in-place.png') });

    // One cause's records only, then every record again.
    const group = errors.causes.groups[0];
    await panel.locator('.causes li').first().getByRole('button').click();
    await waitUntil(page, `document.querySelectorAll('#errors-of-AttendanceExactCount tr[data-record]').length === ${Math.min(group?.count ?? 0, 20)} && !document.querySelector('#errors-of-AttendanceExactCount .causes')`);
    expect(await panel.locator('p').first().textContent()).toContain(`caused by one record: Enrollment ${group?.cause.recordId}`);
    await panel.getByRole('button', { name: 'Show every record' }).click();
    await waitUntil(page, `document.querySelector('#errors-of-AttendanceExactCount .causes')`);

    // Close: the panel goes, focus returns to the row's button.
    await panel.getByRole('button', { name: 'Close' }).click();
    await waitUntil(page, `!document.getElementById('errors-of-AttendanceExactCount')`);
    expect(await row.getAttribute('aria-expanded')).toBe('false');
    expect(await page.evaluate(`document.activeElement?.classList.contains('show-errors')`)).toBe(true);
  }, TEST_TIMEOUT);

  it('draws the table again as another batch ends without losing what the reader was doing: picked objects, open errors, the keyboard focus', async () => {
    const { full, page, row } = await afterFullResyncOf1002();
    await page.getByLabel('Select TestScore', { exact: true }).check();
    await page.getByLabel('Select Roster', { exact: true }).check();
    await row.getByRole('button', { name: 'Show errors of AttendanceExactCount' }).click();
    await page.locator('#errors-of-AttendanceExactCount tr[data-record]').first().waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('errors-of-AttendanceExactCount-title');

    // Another object's batch ends elsewhere: the page reads the table again (it writes the line
    // above it each time) and draws it.
    await page.evaluate(`(() => {
      window.__drawn = 0;
      new MutationObserver(() => window.__drawn++).observe(document.getElementById('objects-intro'), { childList: true });
    })()`);
    const { batchId } = await api<{ batchId: string }>(TOKENS.district1002, '/api/districts/1002/resyncs', { method: 'POST', body: { objects: ['District'], year: 'current' } });
    await waitForBatch(TOKENS.district1002, batchId);
    await waitUntil(page, `window.__drawn > 0 && document.querySelector('#objects tr[data-object="District"]').dataset.batch === '${batchId}'
      && document.querySelector('#errors-of-AttendanceExactCount tr[data-record]')`);
    expect(await row.getAttribute('data-batch')).toBe(full);
    expect(await row.getAttribute('aria-expanded')).toBe('true');
    expect(await page.evaluate('document.activeElement?.id')).toBe('errors-of-AttendanceExactCount-title');
    expect(await page.evaluate(`[...document.querySelectorAll('#objects input.pick-one:checked')].map((box) => box.value).sort()`)).toEqual(['Roster', 'TestScore']);

    // The same with the keyboard on a checkbox.
    await page.getByLabel('Select Roster', { exact: true }).focus();
    await page.evaluate('window.__drawn = 0');
    const { batchId: again } = await api<{ batchId: string }>(TOKENS.district1002, '/api/districts/1002/resyncs', { method: 'POST', body: { objects: ['District'], year: 'current' } });
    await waitForBatch(TOKENS.district1002, again);
    await waitUntil(page, `window.__drawn > 0 && document.querySelector('#objects tr[data-object="District"]').dataset.batch === '${again}'`);
    expect(await page.evaluate('document.activeElement?.id')).toBe('pick-Roster');
    expect(await page.evaluate(`[...document.querySelectorAll('#objects input.pick-one:checked')].map((box) => box.value).sort()`)).toEqual(['Roster', 'TestScore']);
  }, TEST_TIMEOUT);

  it('keeps the keyboard on Next as Error details page on', async () => {
    const { full, page } = await afterFullResyncOf1002();
    const { total } = await api<{ total: number }>(TOKENS.district1002, `/api/resyncs/${full}/errors?limit=1`);
    expect(total).toBeGreaterThan(20);
    await page.locator(`#history tr[data-batch="${full}"]`).getByRole('button', { name: /Error details/ }).click();
    await page.locator('#errors-pager button').first().waitFor();
    await page.locator('#errors-pager').getByRole('button', { name: 'Next' }).focus();
    await page.keyboard.press('Enter');
    await waitUntil(page, `document.querySelector('#errors-pager span')?.textContent.startsWith('21–')`);
    expect(await page.evaluate(`document.activeElement?.closest('#errors-pager') !== null && document.activeElement.textContent`)).toBe(total > 40 ? 'Next' : false);
    if (total <= 40) expect(await page.evaluate('document.activeElement?.id')).toBe('errors-title');
  }, TEST_TIMEOUT);

  it('keeps the keyboard in the errors to their last page, and on the row when they close for a newer batch of the object or another view', async () => {
    const { full, page, row } = await afterFullResyncOf1002();
    const panel = page.locator('#errors-of-AttendanceExactCount');
    const title = 'errors-of-AttendanceExactCount-title';
    const { total } = await api<{ total: number }>(TOKENS.district1002, `/api/resyncs/${full}/errors?object=AttendanceExactCount&limit=1`);
    expect(total).toBeGreaterThan(20);

    // Next, with the keyboard, to the last page: there Next is disabled, and the keyboard goes to the heading.
    await row.getByRole('button', { name: 'Show errors of AttendanceExactCount' }).click();
    await panel.locator('tr[data-record]').first().waitFor();
    await panel.getByRole('button', { name: 'Next' }).focus();
    const pages = Math.ceil(total / 20);
    for (let shown = 2; shown <= pages; shown++) {
      await page.keyboard.press('Enter');
      await waitUntil(page, `document.querySelector('#errors-of-AttendanceExactCount nav.pager span')?.textContent.startsWith('${(shown - 1) * 20 + 1}–')`);
      expect(await page.evaluate('document.activeElement?.textContent'), `page ${shown}`).toBe(shown < pages ? 'Next' : `Errors of AttendanceExactCount — batch ${full}`);
    }
    expect(await page.evaluate('document.activeElement?.id')).toBe(title);

    // A newer batch of the same object: its row follows that batch, the errors of the one before
    // close, and the keyboard lands on the row, not at the top of the page.
    const { batchId: newer } = await api<{ batchId: string }>(TOKENS.district1002, '/api/districts/1002/resyncs', { method: 'POST', body: { objects: ['AttendanceExactCount'], year: 'current' } });
    await waitForBatch(TOKENS.district1002, newer);
    await waitUntil(page, `!document.getElementById('errors-of-AttendanceExactCount') && document.querySelector('#objects tr[data-object="AttendanceExactCount"]').dataset.batch === '${newer}'`);
    expect(await page.evaluate(`document.activeElement?.closest('tr')?.dataset.object`)).toBe('AttendanceExactCount');
    expect(await row.getAttribute('aria-expanded')).toBe('false');

    // Another view asked for and left again before it drew: the errors close with the view they
    // were of, and the row opens them again (once).
    await row.getByRole('button', { name: 'Show errors of AttendanceExactCount' }).click();
    await panel.locator('tr[data-record]').first().waitFor();
    await page.evaluate(`(() => { location.hash = '#district=1002&year=previous'; location.hash = '#district=1002&year=current'; })()`);
    await waitUntil(page, `!document.getElementById('errors-of-AttendanceExactCount')
      && document.getElementById('objects').dataset.view === '1002:current' && document.querySelector('#objects tr[data-object="AttendanceExactCount"] button.show-errors')`);
    expect(await row.getAttribute('aria-expanded')).toBe('false');
    await row.getByRole('button', { name: 'Show errors of AttendanceExactCount' }).click();
    await panel.locator('tr[data-record]').first().waitFor();
    expect(await page.locator('#objects tr.errors-row').count()).toBe(1);

    // A mouse reader (nothing focused) is not scrolled to the row as the errors close.
    await page.evaluate('document.activeElement?.blur()');
    const { batchId: newest } = await api<{ batchId: string }>(TOKENS.district1002, '/api/districts/1002/resyncs', { method: 'POST', body: { objects: ['AttendanceExactCount'], year: 'current' } });
    await waitForBatch(TOKENS.district1002, newest);
    await waitUntil(page, `!document.getElementById('errors-of-AttendanceExactCount') && document.querySelector('#objects tr[data-object="AttendanceExactCount"]').dataset.batch === '${newest}'`);
    expect(await page.evaluate('document.activeElement === document.body')).toBe(true);
  }, TEST_TIMEOUT);
});
