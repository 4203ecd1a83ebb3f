// The tool page's state-wide resync panel in a real browser against the real API, database and
// Temporal worker (global throttle: 2 districts copy at once): a state user requests a resync of
// every district, reads what will happen in order, and watches the districts run, wait and complete
// without a reload, each linking to its batch; cancels a running request; a Read-only state user
// sees the progress and the list but no controls; a district user never sees the panel.
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseTokens } from '../../src/api/auth';
import { Resyncs } from '../../src/client/resyncs';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { BATCH_TIMEOUT, holdStateTable, startPageHarness, waitUntil, type PageHarness } from './page-harness';

const RESULTS_DIR = path.resolve(import.meta.dirname, '../../test-results');
const TEST_TIMEOUT = 150_000;
const LIMIT = 2;
const DISTRICTS = ['1001', '1002', '1003', '1004'];
const STATE_READER = 'test-state-reader-token';

interface Progress {
  requestId: string;
  phase: string;
  cancelledBy: string | null;
  counts: { pending: number; queued: number; running: number; completed: number; failed: number; cancelled: number; total: number; skipped: number };
  records: { processed: number; errors: number; sent: number };
  districts: { districtId: string; schoolYear: number; batchId: string | null; status: string; processed: number; errors: number }[];
}

let system: TestSystem;
let harness: PageHarness;

beforeAll(async () => {
  system = await startTestSystem({ maxActiveDistricts: LIMIT });
  for (const [index, districtId] of DISTRICTS.entries()) await system.seed({ districtId, students: 40, excludedShare: 0, seed: 40 + index });
  harness = await startPageHarness({
    ...system.deps,
    // This API reads the deployment's bound as the workers do (before any copy has asked for a permit).
    resyncs: new Resyncs(system.worker.client, system.worker.taskQueue, system.db.sql, LIMIT),
    tokens: parseTokens(`${TOKENS.state}=state;${STATE_READER}=state:Sam Reader/read;${TOKENS.district1001}=district:1001`),
  });
}, 240_000);

afterEach(async () => {
  await harness.closePages();
});

afterAll(async () => {
  await harness?.stop();
  await system?.stop();
}, 60_000);

const formatted = (n: number) => n.toLocaleString('en-US');

async function progressOf(requestId: string): Promise<Progress> {
  return harness.api<Progress>(TOKENS.state, `/api/state/resyncs/${requestId}`);
}

async function untilFinished(requestId: string): Promise<Progress> {
  for (const deadline = Date.now() + BATCH_TIMEOUT; ;) {
    const progress = await progressOf(requestId);
    if (progress.phase === 'finished') return progress;
    if (Date.now() > deadline) throw new Error(`state-wide resync ${requestId} still ${progress.phase}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Signs in and marks the document (a reload would lose the marker) and records the status line. */
async function openAs(token: string): Promise<Page> {
  const page = await harness.open();
  await harness.signIn(page, token);
  await page.evaluate(`(() => {
    window.__sameDocument = true;
    const said = window.__said = [];
    const status = document.getElementById('status');
    new MutationObserver(() => said.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
  })()`);
  return page;
}

/** The districts' rows as the page shows them. */
async function shownDistricts(page: Page): Promise<{ district: string; status: string; year: string; results: string; batch: string | null; href: string | null }[]> {
  return page.evaluate(`[...document.querySelectorAll('#state-wide-districts tbody tr')].map((tr) => ({
    district: tr.dataset.district, status: tr.dataset.status, year: tr.children[1].textContent, results: tr.children[3].textContent,
    batch: tr.querySelector('a[data-batch]')?.dataset.batch ?? null, href: tr.querySelector('a[data-batch]')?.getAttribute('href') ?? null }))`);
}

const counts = (page: Page) => page.locator('#state-wide-counts').textContent();

describe('the state-wide resync panel', () => {
  it('requests a resync of every district: the confirmation says what happens in order; districts run, wait and complete live, each linking to its batch; the list names it', async () => {
    const page = await openAs(TOKENS.state);
    expect(await page.locator('#state-wide-section').isVisible()).toBe(true);
    expect(await page.locator('#state-wide-districts-all-label').textContent()).toBe('All districts (4)');
    // Two districts copy at once; while the state's District table is held, the other two wait.
    const release = await holdStateTable(system.db.sql, 'District');
    let requestId = '';
    try {
      await page.getByRole('button', { name: 'Request State-wide Resync' }).click();
      await page.getByRole('dialog', { name: 'Request a state-wide resync?' }).waitFor();
      expect(await page.evaluate('document.activeElement?.id')).toBe('state-wide-confirm-cancel');
      expect(await page.locator('#state-wide-confirm-steps li').allTextContents()).toEqual([
        'A full resync (every object) is requested of every district: 4 districts (1001, 1002, 1003, 1004), for 2026-27 (the current school year).',
        'Each district\'s batch goes to that district\'s lane: it waits behind whatever that district is running or has queued for that school year.',
        'At most 2 districts copy to the state database at once (RESYNC_MAX_ACTIVE_DISTRICTS); the others wait for a copy slot.',
        'Each district is alerted ("State Resync Requested") and cannot refuse or stop the resync.',
        'Districts not configured to sync the current school year are left out, with the reason. You can follow the request here, and cancel it while it runs.',
      ]);
      await mkdir(RESULTS_DIR, { recursive: true });
      await page.locator('#state-wide-confirm').screenshot({ path: path.join(RESULTS_DIR, 'state-wide-confirm.png') });
      const [request, response] = await Promise.all([
        page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/state/resyncs')),
        page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/state/resyncs')),
        page.getByRole('button', { name: 'Request', exact: true }).click(),
      ]);
      expect(response.status()).toBe(202);
      expect(request.postDataJSON()).toEqual({ districts: 'all', objects: 'all', checkDependencies: false, year: 'current' });
      ({ requestId } = (await response.json()) as { requestId: string });
      expect(await page.evaluate('document.activeElement?.id')).toBe('state-wide-request');

      // Two running, two waiting for a copy slot, shown as they are without a reload.
      await page.evaluate(`(() => {
        const seen = window.__counts = [];
        const line = document.getElementById('state-wide-progress');
        const record = () => { const text = document.getElementById('state-wide-counts')?.textContent; if (text && seen.at(-1) !== text) seen.push(text); };
        record();
        new MutationObserver(record).observe(line, { childList: true, characterData: true, subtree: true });
      })()`);
      await waitUntil(page, `document.getElementById('state-wide-progress').dataset.request === '${requestId}'
        && document.getElementById('state-wide-counts').textContent === '0 of 4 districts done, 2 running, 2 queued.'`);
      expect(await page.locator('#state-wide-progress-title').textContent()).toBe(`State-wide resync ${requestId}: running`);
      expect(await page.locator('#state-wide-by').textContent()).toBe('Requested by state.');
      const waiting = await shownDistricts(page);
      expect(waiting.map((row) => row.district)).toEqual(DISTRICTS);
      expect(waiting.filter((row) => row.status === 'running')).toHaveLength(LIMIT);
      expect(waiting.filter((row) => row.status === 'queued')).toHaveLength(DISTRICTS.length - LIMIT);
      expect(waiting.every((row) => row.results === '—' && row.batch !== null && row.year === '2026-27')).toBe(true);
      expect(await page.locator('#state-wide-cancel').isVisible()).toBe(true);
      await page.locator('#state-wide-section').screenshot({ path: path.join(RESULTS_DIR, 'state-wide-progress.png') });
    } finally {
      await release();
    }

    const done = await untilFinished(requestId);
    await waitUntil(page, `document.getElementById('state-wide-progress').dataset.phase === 'finished'`);
    expect(await counts(page)).toBe('4 of 4 districts done (4 completed), 0 running, 0 queued.');
    const seen = await page.evaluate('window.__counts') as string[];
    expect(seen[0]).toMatch(/^0 of 4 districts done/);
    expect(seen.at(-1)).toBe('4 of 4 districts done (4 completed), 0 running, 0 queued.');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    expect(await page.evaluate('window.__said')).toContain(`State-wide resync ${requestId} finished: 4 of 4 districts done (4 completed), 0 running, 0 queued.`);
    expect(await page.locator('#state-wide-cancel').isVisible()).toBe(false);
    // Every row as the API reports it, linking to that district's view, where its batch is.
    const rows = await shownDistricts(page);
    expect(rows).toEqual(done.districts.map((run) => ({
      district: run.districtId, status: 'completed', year: '2026-27', results: `${formatted(run.processed)} / ${formatted(run.errors)}`,
      batch: run.batchId, href: `#district=${run.districtId}&year=current`,
    })));
    expect(await page.locator('#state-wide-records').textContent()).toBe(`Records of the districts that have finished: ${formatted(done.records.processed)} processed, `
      + `${formatted(done.records.errors)} errors, ${formatted(done.records.sent)} sent.`);
    expect(done.records.processed).toBeGreaterThan(0);

    // The latest requests list it (Temporal's list may take a moment to show it closed).
    await waitUntil(page, `/^finished \\((green|yellow|red)\\)$/.test(document.querySelector('#state-wide-list tr[data-request="${requestId}"]')?.children[2].textContent ?? '')`);
    expect(await page.locator(`#state-wide-list tr[data-request="${requestId}"]`).getAttribute('aria-current')).toBe('true');

    // A district's link opens its view: the state's batch is in its history.
    const third = done.districts[2];
    await page.locator(`#state-wide-districts a[data-batch="${third?.batchId}"]`).click();
    await waitUntil(page, `document.getElementById('objects').dataset.view === '${third?.districtId}:current'
      && document.querySelector('#history tr[data-batch="${third?.batchId}"]')`);
    expect(await page.locator(`#history tr[data-batch="${third?.batchId}"]`).textContent()).toContain('State (state)');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
  }, TEST_TIMEOUT);

  it('cancels a running state-wide request: confirmed, every district batch not yet ended is cancelled; a page opened later follows it at once', async () => {
    const release = await holdStateTable(system.db.sql, 'District');
    let requestId = '';
    let page!: Page;
    try {
      ({ requestId } = await harness.api<{ requestId: string }>(TOKENS.state, '/api/state/resyncs',
        { method: 'POST', body: { districts: 'all', objects: ['School'], checkDependencies: true, year: 'current' } }));
      page = await openAs(TOKENS.state);
      // The newest running request is shown on sign-in.
      await waitUntil(page, `document.getElementById('state-wide-progress').dataset.request === '${requestId}'
        && document.getElementById('state-wide-counts').textContent === '0 of 4 districts done, 2 running, 2 queued.'`);
      await page.getByRole('button', { name: 'Cancel state-wide resync' }).click();
      await page.getByRole('dialog', { name: 'Cancel this state-wide resync?' }).waitFor();
      expect(await page.evaluate('document.activeElement?.id')).toBe('state-wide-cancel-keep');
      expect(await page.locator('#state-wide-cancel-text').textContent()).toBe(`Cancel state-wide resync ${requestId}? The batches of its 4 districts not yet ended `
        + 'are cancelled: queued ones are withdrawn and never run; running ones stop after the page they are copying (what they sent stays at the state). '
        + 'Districts that have finished keep their results.');
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/api/state/resyncs/${requestId}/cancel`)),
        page.getByRole('button', { name: 'Cancel the districts\' batches' }).click(),
      ]);
      expect(response.status()).toBe(202);
      await waitUntil(page, `window.__said.includes('State-wide resync ${requestId} is being cancelled: every district batch not yet ended is cancelled.')`);
      await waitUntil(page, `document.getElementById('state-wide-progress').dataset.phase === 'cancelling'`);
    } finally {
      await release();
    }
    const done = await untilFinished(requestId);
    expect(done.cancelledBy).toBe('state');
    await waitUntil(page, `document.getElementById('state-wide-progress').dataset.phase === 'finished'`);
    expect(await page.locator('#state-wide-by').textContent()).toBe('Requested by state. Cancelled by state: batches not yet ended were cancelled, queued ones withdrawn.');
    expect(await page.locator('#state-wide-cancel').isVisible()).toBe(false);
    // The latest requests list it as cancelled, not finished.
    await waitUntil(page, `document.querySelector('#state-wide-list tr[data-request="${requestId}"]')?.children[2].textContent === 'cancelled'`);
    // The queued districts never ran; the page shows each district as the API reports it.
    expect(done.counts.cancelled).toBeGreaterThanOrEqual(DISTRICTS.length - LIMIT);
    expect(done.counts.running + done.counts.queued + done.counts.pending).toBe(0);
    const rows = await shownDistricts(page);
    expect(rows.map((row) => [row.district, row.status])).toEqual(done.districts.map((run) => [run.districtId, run.status]));
    expect(rows.every((row) => row.status === 'cancelled' || row.status === 'completed')).toBe(true);
    const ended = done.counts.completed + done.counts.cancelled;
    expect(await counts(page)).toBe(`${ended} of 4 districts done (${[done.counts.completed > 0 ? `${done.counts.completed} completed` : null, `${done.counts.cancelled} cancelled`].filter(Boolean).join(', ')}), 0 running, 0 queued.`);
  }, TEST_TIMEOUT);

  it('names chosen districts and objects in the confirmation; asks for a district or an object when none is ticked; Cancel requests nothing', async () => {
    const page = await openAs(TOKENS.state);
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(request.url());
    });
    await page.getByLabel('Chosen districts', { exact: true }).check();
    await page.getByRole('button', { name: 'Request State-wide Resync' }).click();
    expect(await page.locator('#error').textContent()).toBe('Tick at least one district, or choose All districts.');
    await page.getByLabel('District 1002 (1002)', { exact: true }).check();
    await page.getByLabel('District 1003 (1003)', { exact: true }).check();
    await page.getByLabel('Chosen objects (a partial resync)', { exact: true }).check();
    await page.getByRole('button', { name: 'Request State-wide Resync' }).click();
    expect(await page.locator('#error').textContent()).toBe('Tick at least one object, or choose All objects.');
    await page.getByLabel('School object', { exact: true }).check();
    await page.getByLabel('Roster object', { exact: true }).check();
    await page.getByLabel('Check Dependencies in each district', { exact: true }).check();
    await page.getByLabel('School year of each district', { exact: true }).selectOption('previous');
    await page.getByRole('button', { name: 'Request State-wide Resync' }).click();
    await page.getByRole('dialog', { name: 'Request a state-wide resync?' }).waitFor();
    expect(await page.locator('#error').textContent()).toBe('');
    const { districts } = await harness.api<{ districts: { districtId: string; years: { previous: number | null } }[] }>(TOKENS.state, '/api/districts');
    const previous = districts.find((district) => district.districtId === '1002')?.years.previous;
    expect(previous).toBe(2025);
    const steps = await page.locator('#state-wide-confirm-steps li').allTextContents();
    expect(steps[0]).toBe('A partial resync of Roster, School, with Check Dependencies (their parents first) is requested of 2 districts (1002, 1003), for 2025-26 (the previous school year).');
    expect(steps[4]).toBe('Districts not configured to sync the previous school year, or to which none of the chosen objects apply, are left out, with the reason. '
      + 'You can follow the request here, and cancel it while it runs.');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await waitUntil(page, `document.getElementById('status').textContent === 'State-wide resync not requested.'`);
    expect(await page.evaluate('document.activeElement?.id')).toBe('state-wide-request');
    expect(posts).toEqual([]);
  }, TEST_TIMEOUT);

  it('shows a Read-only state user the progress and the list, without the request form, Cancel or Request Resync', async () => {
    const release = await holdStateTable(system.db.sql, 'School');
    let requestId = '';
    let page!: Page;
    try {
      ({ requestId } = await harness.api<{ requestId: string }>(TOKENS.state, '/api/state/resyncs',
        { method: 'POST', body: { districts: ['1002'], objects: ['School'], checkDependencies: true, year: 'current' } }));
      page = await openAs(STATE_READER);
      await waitUntil(page, `document.getElementById('state-wide-progress').dataset.request === '${requestId}'
        && document.getElementById('state-wide-counts').textContent === '0 of 1 district done, 1 running, 0 queued.'`);
      expect(await page.locator('#state-wide-section').isVisible()).toBe(true);
      expect(await page.locator('#state-wide-form').isVisible()).toBe(false);
      expect(await page.locator('#state-wide-cancel').isVisible()).toBe(false);
      expect(await page.locator('#state-wide-section button:visible', { hasText: /Request|Cancel/ }).count()).toBe(0);
      await page.locator(`#state-wide-list tr[data-request="${requestId}"]`).waitFor();
      // Nor Request Resync for the district shown: the note says why; its checkboxes are disabled.
      expect(await page.locator('#send').isHidden()).toBe(true);
      expect(await page.locator('#send-read-only').textContent())
        .toBe('With Read rights you can follow the objects\' resyncs and their results; requesting one needs Write.');
      expect(await page.locator('#send-read-only').isVisible()).toBe(true);
      expect(await page.locator('#objects input[type="checkbox"]:enabled, #check-dependencies:enabled').count()).toBe(0);
    } finally {
      await release();
    }
    await untilFinished(requestId);
    await waitUntil(page, `document.getElementById('state-wide-progress').dataset.phase === 'finished'`);
    expect(await counts(page)).toBe('1 of 1 district done (1 completed), 0 running, 0 queued.');
    expect(await page.locator('#state-wide-cancel').isVisible()).toBe(false);
  }, TEST_TIMEOUT);

  it('never shows a district user the state-wide panel, nor asks the state\'s API for it', async () => {
    const page = await harness.open();
    const asked: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/state/')) asked.push(request.url());
    });
    await harness.signIn(page, TOKENS.district1001);
    await page.locator('#history tbody tr').first().waitFor();
    expect(await page.locator('#state-wide-section').isHidden()).toBe(true);
    expect(await page.evaluate(`document.getElementById('state-wide-section').hidden`)).toBe(true);
    expect(asked).toEqual([]);
  }, TEST_TIMEOUT);
});
