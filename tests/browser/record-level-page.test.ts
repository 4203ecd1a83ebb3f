// The tool page's record-level features (issue 13, items 2 and 3) in a real browser against the real
// API, the districts' own databases and the Temporal worker: the method in the confirmation dialog
// (copy, or differential — carried by the plan preview and the request), a differential batch's
// split of processed shown on hover and on keyboard focus (and nothing extra for a copy batch),
// Retry failed records on a red row (a selective batch that lands the records, checked at the
// state) and its refusal shown in the row, the district's automatic-retry setting, and what a
// Read-only user sees of them (and that such a user has no Send Resync).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseTokens } from '../../src/api/auth';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { startPageHarness, waitUntil, type PageHarness } from './page-harness';

const RESULTS_DIR = path.resolve(import.meta.dirname, '../../test-results');
const TEST_TIMEOUT = 180_000;
const READER_1002 = 'test-district-1002-reader-token';

interface ObjectRow { object: string; processed: number | null; errors: number | null; colour: string | null; batchId: string | null }
interface Started { batchId: string; retryOf?: string; kind?: string }

let system: TestSystem;
let harness: PageHarness;
/** The full copy resync of 1001 the first test sends from the page. */
let copyBatch = '';

beforeAll(async () => {
  system = await startTestSystem();
  // 1001 has state-excluded records (their errors are not retried); 1002 has none.
  await system.seed({ districtId: '1001', students: 60, excludedShare: 0.05 });
  await system.seed({ districtId: '1002', students: 40, excludedShare: 0, seed: 2 });
  harness = await startPageHarness({
    ...system.deps,
    tokens: parseTokens(`${TOKENS.state}=state;${TOKENS.district1001}=district:1001:Jane Doe;${TOKENS.district1002}=district:1002:Ann Lee;`
      + `${READER_1002}=district:1002:Sam Reader/read`),
  });
}, 240_000);

afterEach(async () => {
  await harness.closePages();
});

afterAll(async () => {
  await harness?.stop();
  await system?.stop();
}, 60_000);

/** The one number a count query answers. */
const countOf = (rows: readonly { n: number }[]): number => Number(rows[0]?.n ?? Number.NaN);

async function schemaOf(district: string): Promise<string> {
  const [row] = await system.db.sql<{ schema: string }[]>`select source_schema as schema from resync.district where district_id = ${district}`;
  return row!.schema;
}

async function openAs(token: string): Promise<Page> {
  const page = await harness.open();
  await harness.signIn(page, token);
  return page;
}

/** Ticks objects, clicks Send Resync and waits for the confirmation dialog. */
async function openDialog(page: Page, objects: string[]): Promise<void> {
  for (const object of objects) await page.getByLabel(`Select ${object}`, { exact: true }).check();
  await page.getByRole('button', { name: 'Send Resync' }).click();
  await page.getByRole('dialog', { name: 'Send Resync?' }).waitFor();
}

/** Clicks `button` and returns the POST it sent to `url` with the API's answer. */
async function post(page: Page, url: RegExp, click: () => Promise<void>): Promise<{ body: unknown; status: number; answer: Record<string, unknown> }> {
  const [request, response] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && url.test(r.url())),
    page.waitForResponse((r) => r.request().method() === 'POST' && url.test(r.url())),
    click(),
  ]);
  return { body: request.postDataJSON() as unknown, status: response.status(), answer: (await response.json()) as Record<string, unknown> };
}

/** Waits until the page shows the batch ended in its history and no row is gray any more. */
async function waitForFinishedOnPage(page: Page, batchId: string): Promise<void> {
  await waitUntil(page, `(() => {
    const row = document.querySelector('#history tr[data-batch="${batchId}"]');
    return row && /completed|failed|cancelled/.test(row.textContent) && !document.querySelector('#objects tr[data-colour="gray"]');
  })()`);
}

const objectsOf = async (token: string, district: string) =>
  (await harness.api<{ objects: ObjectRow[] }>(token, `/api/districts/${district}/objects?year=current`)).objects;

/** The accessible description Chromium computes for the element `selector` names. */
async function accessibleDescription(cdp: CDPSession, selector: string): Promise<string | undefined> {
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
  const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
  return nodes[0]?.description?.value as string | undefined;
}

const splitShown = (page: Page, object: string) => page.locator(`#split-${object}`).isVisible();

describe('the method, and a differential batch\'s split', () => {
  it('offers Copy (the default) or Differential in the dialog; the plan preview and the request carry it', async () => {
    const page = await openAs(TOKENS.district1001);
    await page.getByLabel('Select all objects (full resync)', { exact: true }).check();
    const [plan] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/districts/1001/resyncs/plan')),
      page.getByRole('button', { name: 'Send Resync' }).click(),
    ]);
    expect(plan.postDataJSON()).toEqual({ objects: 'all', checkDependencies: false, year: 'current', method: 'copy' });
    await page.getByRole('dialog', { name: 'Send Resync?' }).waitFor();
    const method = page.getByRole('group', { name: 'How to write the records' });
    expect(await page.evaluate(`[...document.querySelectorAll('#confirm-method input[type="radio"]')].map((radio) => [radio.id, radio.checked])`))
      .toEqual([['confirm-method-copy', true], ['confirm-method-differential', false]]);
    expect(await method.getByLabel('Copy every record', { exact: true }).isChecked()).toBe(true);
    expect(await method.getByLabel('Differential: write only what differs', { exact: true }).isChecked()).toBe(false);
    expect(await page.locator('#confirm-method-help').textContent()).toBe('Choose Differential when little has changed since the last resync: it compares '
      + 'district and state page by page and writes only missing or changed records; choose Copy when much has changed or the state\'s copy is in doubt.');
    const sent = await post(page, /\/api\/districts\/1001\/resyncs$/, () => page.getByRole('button', { name: 'OK', exact: true }).click());
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ objects: 'all', checkDependencies: false, year: 'current', method: 'copy' });
    copyBatch = sent.answer.batchId as string;
    await waitForFinishedOnPage(page, copyBatch);
    const batch = await harness.api<{ method: string; status: string }>(TOKENS.district1001, `/api/resyncs/${copyBatch}`);
    expect(batch).toMatchObject({ method: 'copy', status: 'completed' });

    // A copy batch compares nothing: its figures have no split, nothing focusable, no tooltip.
    const school = page.locator('#objects tr[data-object="School"]');
    await waitUntil(page, `document.querySelector('#objects tr[data-object="School"]').dataset.batch === '${copyBatch}'`);
    expect(await school.locator('.processed').count()).toBe(0);
    expect(await page.locator('#objects .split-tip').count()).toBe(0);
  }, TEST_TIMEOUT);

  it('a differential resync of School after one school changed at the district: hover and focus read "inserted 0, updated 1, unchanged N-1, removed 0"', async () => {
    expect(copyBatch).not.toBe('');
    const schema = await schemaOf('1001');
    const schools = countOf(await system.district.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${schema}".school`));
    expect(schools).toBeGreaterThan(1);
    await system.district.sql.unsafe(`update "${schema}".school set name = name || ' (renamed)' where id = (select min(id) from "${schema}".school)`);

    const page = await openAs(TOKENS.district1001);
    await openDialog(page, ['School']);
    // Choosing Differential plans again with it; the summary says what it writes.
    const [replan] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/districts/1001/resyncs/plan')),
      page.getByLabel('Differential: write only what differs', { exact: true }).check(),
    ]);
    expect(replan.postDataJSON()).toEqual({ objects: ['School'], checkDependencies: false, year: 'current', method: 'differential' });
    await waitUntil(page, `document.getElementById('confirm-summary').textContent.endsWith('Only records missing at the state or different there are written.')`);
    expect(await page.locator('#confirm-summary').textContent())
      .toBe(`Send a partial resync of 1 selected object (about ${schools} records) of district 1001 for 2026-27 to the state. `
        + 'Only records missing at the state or different there are written.');
    expect(await page.evaluate('document.activeElement?.id')).toBe('confirm-method-differential');
    expect(await page.locator('#confirm-ok').isDisabled()).toBe(false);
    const sent = await post(page, /\/api\/districts\/1001\/resyncs$/, () => page.getByRole('button', { name: 'OK', exact: true }).click());
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ objects: ['School'], checkDependencies: false, year: 'current', method: 'differential' });
    const batchId = sent.answer.batchId as string;
    await waitForFinishedOnPage(page, batchId);
    await waitUntil(page, `document.querySelector('#objects tr[data-object="School"]').dataset.batch === '${batchId}'`);
    expect(await page.locator(`#history tr[data-batch="${batchId}"] td:nth-child(4)`).textContent()).toBe('Partial: School, differential');
    expect(await page.locator(`#history tr[data-batch="${copyBatch}"] td:nth-child(4)`).textContent()).toBe('Full');

    const expected = `inserted 0, updated 1, unchanged ${schools - 1}, removed 0`;
    const figure = page.locator('#objects tr[data-object="School"] .processed');
    expect(await figure.textContent()).toBe(String(schools));
    expect(await page.locator('#objects tr[data-object="School"] .results > span').first().textContent()).toBe(`${schools} / 0`);
    expect(await splitShown(page, 'School')).toBe(false);

    // Hover: the tooltip shows the split.
    await figure.hover();
    await waitUntil(page, `getComputedStyle(document.getElementById('split-School')).display === 'block'`);
    expect(await page.locator('#split-School').textContent()).toBe(expected);
    expect(await page.locator('#split-School').getAttribute('role')).toBe('tooltip');
    await page.mouse.move(0, 0);
    await waitUntil(page, `getComputedStyle(document.getElementById('split-School')).display === 'none'`);

    // Keyboard: Tab from the row's checkbox reaches the figure; the tooltip shows and is its
    // accessible description; Escape dismisses it without moving focus.
    await page.getByLabel('Select School', { exact: true }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(`document.activeElement.classList.contains('processed') && document.activeElement.closest('tr').dataset.object`)).toBe('School');
    expect(await splitShown(page, 'School')).toBe(true);
    await mkdir(RESULTS_DIR, { recursive: true });
    await page.locator('#objects-section').screenshot({ path: path.join(RESULTS_DIR, 'record-level-split.png') });
    const cdp = await page.context().newCDPSession(page);
    expect(await accessibleDescription(cdp, '#objects tr[data-object="School"] .processed')).toBe(expected);
    await page.keyboard.press('Escape');
    expect(await splitShown(page, 'School')).toBe(false);
    expect(await page.evaluate(`document.activeElement.classList.contains('processed')`)).toBe(true);

    // The API's own figures for that batch say the same.
    const detail = await harness.api<{ method: string; objects: { object: string; inserted: number; updated: number; unchanged: number; deleted: number }[] }>(
      TOKENS.district1001, `/api/resyncs/${batchId}`);
    expect(detail.method).toBe('differential');
    expect(detail.objects.find((o) => o.object === 'School')).toMatchObject({ inserted: 0, updated: 1, unchanged: schools - 1, deleted: 0 });
    // The object table's row (what the page reads) carries the batch's method and split.
    const table = await objectsOf(TOKENS.district1001, '1001');
    expect(table.find((o) => o.object === 'School')).toMatchObject({
      batchId, method: 'differential', processed: schools, inserted: 0, updated: 1, unchanged: schools - 1, deleted: 0,
    });
    // Rows of the copy batch stay as they were: no split.
    const copied = table.filter((o) => o.batchId === copyBatch);
    expect(copied[0]).toMatchObject({ method: 'copy', inserted: null, updated: null, unchanged: null });
    expect(copied.length).toBeGreaterThan(0);
    for (const row of copied) expect(await page.locator(`#objects tr[data-object="${row.object}"] .processed`).count(), row.object).toBe(0);
  }, TEST_TIMEOUT);
});

describe('Retry failed records', () => {
  it('says in the row why a batch whose records failed only for being excluded has nothing to retry, and starts nothing', async () => {
    expect(copyBatch).not.toBe('');
    const failed = (await objectsOf(TOKENS.district1001, '1001')).filter((o) => o.batchId === copyBatch && (o.errors ?? 0) > 0);
    expect(failed.length).toBeGreaterThan(0);
    const reasons = await system.db.sql`select distinct reason_code from resync.sync_error where batch_id = ${copyBatch}`;
    expect(reasons.map((row) => row.reason_code)).toEqual(['not-allowed']);
    const object = failed[0]!.object;
    const before = countOf(await system.db.sql<{ n: number }[]>`select count(*)::int as n from resync.batch where district_id = '1001'`);

    const page = await openAs(TOKENS.district1001);
    const row = page.locator(`#objects tr[data-object="${object}"]`);
    expect(['yellow', 'red']).toContain(await row.getAttribute('data-colour'));
    await row.getByRole('button', { name: `Retry failed records of ${object}`, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Retry failed records?' });
    await dialog.waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('retry-keep');
    const answer = await post(page, new RegExp(`/api/resyncs/${copyBatch}/retry-failed$`),
      () => dialog.getByRole('button', { name: 'Retry failed records', exact: true }).click());
    expect(answer.status).toBe(422);
    const note = row.locator('.row-note');
    await note.waitFor();
    expect(await note.textContent()).toBe(`Nothing to retry: batch ${copyBatch} has no record that failed for a refusal or a missing parent.`);
    expect(await page.evaluate('document.activeElement?.id')).toBe(`retry-note-${object}`);
    await mkdir(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS_DIR, 'record-level-retry-refused.png'), fullPage: true });
    const after = countOf(await system.db.sql<{ n: number }[]>`select count(*)::int as n from resync.batch where district_id = '1001'`);
    expect(after).toBe(before);
  }, TEST_TIMEOUT);

  it('a partial resync of Behavior alone fails its records (persons missing); a Read-only user sees no Retry and no Send Resync; the writer\'s retry lands them at the state', async () => {
    const schema = await schemaOf('1002');
    const page = await openAs(TOKENS.district1002);
    await openDialog(page, ['Behavior']);
    const sent = await post(page, /\/api\/districts\/1002\/resyncs$/, () => page.getByRole('button', { name: 'OK', exact: true }).click());
    expect(sent.status).toBe(202);
    const failedBatch = sent.answer.batchId as string;
    await waitForFinishedOnPage(page, failedBatch);
    const behaviors = countOf(await system.district.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${schema}".behavior`));
    expect(behaviors).toBeGreaterThan(0);
    const row = page.locator('#objects tr[data-object="Behavior"]');
    await waitUntil(page, `document.querySelector('#objects tr[data-object="Behavior"]').dataset.batch === '${failedBatch}'`);
    expect(await row.getAttribute('data-colour')).toBe('red');
    expect(await row.locator('.results > span').first().textContent()).toBe(`${behaviors} / ${behaviors}`);
    const retryButton = row.getByRole('button', { name: 'Retry failed records of Behavior', exact: true });
    expect(await retryButton.isVisible()).toBe(true);
    expect(await system.db.sql`select id from state.behavior where source_district = '1002'`).toEqual([]);

    // Read-only: the errors, no Retry; the setting disabled, saying why.
    const reader = await openAs(READER_1002);
    const readerRow = reader.locator('#objects tr[data-object="Behavior"]');
    expect(await readerRow.getAttribute('data-colour')).toBe('red');
    expect(await readerRow.getByRole('button', { name: 'Show errors of Behavior' }).isVisible()).toBe(true);
    expect(await reader.locator('#objects button.retry-failed').count()).toBe(0);
    const setting = reader.getByLabel('Retry records that waited for a parent automatically', { exact: true });
    expect(await setting.isDisabled()).toBe(true);
    expect(await setting.isChecked()).toBe(false);
    expect(await reader.locator('#auto-retry-blocked').isVisible()).toBe(true);
    expect(await reader.locator('#auto-retry-blocked').textContent()).toBe('Changing this needs Write rights.');
    expect(await setting.getAttribute('aria-describedby')).toBe('auto-retry-help auto-retry-blocked');
    // Read-only: no Send Resync; the checkboxes that only serve it are disabled, pointing to the note that says why.
    expect(await reader.locator('#send').isHidden()).toBe(true);
    expect(await reader.getByRole('button', { name: 'Send Resync' }).count()).toBe(0);
    expect(await reader.locator('#send-read-only').isVisible()).toBe(true);
    expect(await reader.locator('#send-read-only').textContent())
      .toBe('With Read rights you can follow the objects\' resyncs and their results; sending one needs Write.');
    const objectBoxes = reader.locator('#objects input[type="checkbox"]');
    expect(await objectBoxes.count()).toBeGreaterThan(1);
    expect(await reader.locator('#objects input[type="checkbox"]:enabled').count()).toBe(0);
    for (const box of [reader.getByLabel('Select Behavior', { exact: true }), reader.locator('#select-all'), reader.getByLabel('Check Dependencies', { exact: true })]) {
      expect(await box.isDisabled()).toBe(true);
      expect(await box.getAttribute('aria-describedby')).toBe('send-read-only');
    }
    expect(await reader.locator('#objects-intro').textContent()).not.toContain('Select all objects');
    // The writer's page: Send Resync, no note.
    expect(await page.getByRole('button', { name: 'Send Resync' }).isVisible()).toBe(true);
    expect(await page.locator('#send-read-only').isHidden()).toBe(true);
    expect(await page.getByLabel('Check Dependencies', { exact: true }).getAttribute('aria-describedby')).toBeNull();

    await reader.screenshot({ path: path.join(RESULTS_DIR, 'record-level-read-only.png'), fullPage: true });

    // The writer opens the failed batch's errors, then retries: confirmed, then a selective batch
    // followed like any other.
    await row.getByRole('button', { name: 'Show errors of Behavior', exact: true }).click();
    await page.locator('#errors-of-Behavior tr[data-record]').first().waitFor();
    expect(await page.locator('#errors-of-Behavior .resolved-note').count()).toBe(0);
    await retryButton.click();
    const dialog = page.getByRole('dialog', { name: 'Retry failed records?' });
    await dialog.waitFor();
    await page.screenshot({ path: path.join(RESULTS_DIR, 'record-level-retry-dialog.png') });
    const lastResync = await row.locator('.last time').getAttribute('datetime');
    const when = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(lastResync!));
    expect(await page.locator('#retry-text').textContent()).toBe(`Resync again the records of batch ${failedBatch} (the last resync of Behavior, started ${when}) `
      + 'that failed because a parent record was missing at the state — with those parents — or because the state refused them. '
      + 'Records not allowed to sync, such as state-excluded enrollments, are not retried. They run as a Selective Sync batch of district 1002 for 2026-27.');
    const started = await post(page, new RegExp(`/api/resyncs/${failedBatch}/retry-failed$`),
      () => dialog.getByRole('button', { name: 'Retry failed records', exact: true }).click());
    expect(started.status).toBe(202);
    const answer = started.answer as unknown as Started;
    expect(answer).toMatchObject({ kind: 'selective', retryOf: failedBatch });
    await waitUntil(page, `document.getElementById('status').textContent.startsWith('Retry of the failed records of batch ${failedBatch}: batch ${answer.batchId} ')`);
    const historyRow = page.locator(`#history tr[data-batch="${answer.batchId}"]`);
    await historyRow.waitFor();
    expect(await historyRow.locator('td:nth-child(3)').textContent()).toBe('District (Ann Lee)');
    expect(await historyRow.locator('td:nth-child(4)').textContent()).toBe(`Selective: the failed records of batch ${failedBatch}`);
    await waitForFinishedOnPage(page, answer.batchId);
    // The row keeps the partial resync's whole result, less the records the retry landed: green.
    await waitUntil(page, `document.querySelector('#objects tr[data-object="Behavior"]').dataset.colour === 'green'`);
    expect(await row.getAttribute('data-batch')).toBe(failedBatch);
    expect(await row.locator('.results > span').first().textContent()).toBe(`${behaviors} / 0`);
    expect(await row.locator('.results > span').first().getAttribute('title'))
      .toBe(`Sent: ${behaviors.toLocaleString('en-US')} of ${behaviors.toLocaleString('en-US')} processed (${behaviors.toLocaleString('en-US')} of them after failing, by a later Selective Sync)`);
    expect(await row.locator('button.retry-failed').count()).toBe(0);
    expect(await historyRow.locator('td:nth-child(5)').textContent()).toBe('completed');
    // The errors still open list the batch as it ended, and say how many of them landed since.
    await page.locator('#errors-of-Behavior .resolved-note').waitFor();
    expect(await page.locator('#errors-of-Behavior .resolved-note').textContent())
      .toBe(`${behaviors.toLocaleString('en-US')} records of this list were sent later by a Selective Sync and are at the state now; the list shows batch ${failedBatch} as it ended.`);

    // Exactly the district's Behavior records are at the state now, with the persons they need.
    const districtIds = (await system.district.sql.unsafe(`select id from "${schema}".behavior order by id`)).map((r) => Number(r.id));
    const stateIds = (await system.db.sql`select id from state.behavior where source_district = '1002' order by id`).map((r) => Number(r.id));
    expect(stateIds).toEqual(districtIds);
    const persons = (await system.district.sql.unsafe(`select distinct person_identity_id as id from "${schema}".behavior order by 1`)).map((r) => Number(r.id));
    const statePersons = (await system.db.sql`select id from state.person_identity where source_district = '1002' order by id`).map((r) => Number(r.id));
    expect(statePersons).toEqual(persons);
  }, TEST_TIMEOUT);
});

describe('the automatic-retry setting', () => {
  it('reflects autoRetryDeferred, PATCHes it on change, says so, and GET /api/districts agrees (also after a reload)', async () => {
    const page = await openAs(TOKENS.district1002);
    const setting = page.getByLabel('Retry records that waited for a parent automatically', { exact: true });
    expect(await setting.isChecked()).toBe(false);
    expect(await setting.isDisabled()).toBe(false);
    expect(await page.locator('#auto-retry-blocked').isHidden()).toBe(true);
    expect(await setting.getAttribute('aria-describedby')).toBe('auto-retry-help');

    const patched = async (wanted: boolean) => {
      const [request, response] = await Promise.all([
        page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith('/api/districts/1002')),
        page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith('/api/districts/1002')),
        wanted ? setting.check() : setting.uncheck(),
      ]);
      expect(request.postDataJSON()).toEqual({ autoRetryDeferred: wanted });
      expect(response.status()).toBe(200);
      await waitUntil(page, `document.getElementById('auto-retry-status').textContent.startsWith('Saved')`);
      const { districts } = await harness.api<{ districts: { districtId: string; autoRetryDeferred: boolean }[] }>(TOKENS.district1002, '/api/districts');
      expect(districts).toEqual([expect.objectContaining({ districtId: '1002', autoRetryDeferred: wanted })]);
    };
    await patched(true);
    expect(await page.locator('#auto-retry-status').textContent())
      .toBe('Saved: records that wait for a parent are retried automatically once a later batch lands it.');
    expect(await setting.isChecked()).toBe(true);
    await page.reload();
    await page.locator('#objects tbody tr').first().waitFor();
    await waitUntil(page, `!document.getElementById('district-settings').hidden`);
    expect(await setting.isChecked()).toBe(true);

    await patched(false);
    expect(await page.locator('#auto-retry-status').textContent()).toBe('Saved: records that wait for a parent are no longer retried automatically.');
    expect(await setting.isChecked()).toBe(false);
    // The state sees the same district's setting.
    const { districts } = await harness.api<{ districts: { districtId: string; autoRetryDeferred: boolean }[] }>(TOKENS.state, '/api/districts');
    expect(districts.find((d) => d.districtId === '1002')?.autoRetryDeferred).toBe(false);
  }, TEST_TIMEOUT);
});
