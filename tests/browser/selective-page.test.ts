// The tool page's Selective Sync panel in a real browser against the real API, the district's own
// database and the Temporal worker: find a person by local number and by name, pick them (or paste
// ids), preview the record set — its counts per object equal what the district's database holds of
// that person, counted here independently of the code under test — send it, and follow the batch
// of kind selective like any other. A Read-only user may find and preview, not send.
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseTokens } from '../../src/api/auth';
import { CATALOG, tableName } from '../../src/domain';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { BATCH_TIMEOUT, holdStateTable, startPageHarness, waitUntil, type PageHarness } from './page-harness';

const RESULTS_DIR = path.resolve(import.meta.dirname, '../../test-results');
const TEST_TIMEOUT = 120_000;
const SCHEMA = 'district_1001';
const DISTRICT_READER = 'test-district-1001-reader-token';
const SCHOOL_YEAR = 2026;

interface Person { id: number; first_name: string; last_name: string; local_id: string }

let system: TestSystem;
let harness: PageHarness;
let person: Person;
/** The batch the send test started (the completion test follows it). */
let sentBatchId = '';

beforeAll(async () => {
  system = await startTestSystem();
  await system.seed({ districtId: '1001', students: 120, excludedShare: 0 });
  harness = await startPageHarness({
    ...system.deps,
    tokens: parseTokens(`${TOKENS.state}=state;${TOKENS.district1001}=district:1001:Jane Doe;${DISTRICT_READER}=district:1001:Sam Reader/read`),
  });
  // A student with enrollments, attendance and test scores: something below them to count.
  const [row] = await system.district.sql.unsafe<Person[]>(`select p.id::int as id, p.first_name, p.last_name, p.local_id from ${SCHEMA}.person_identity p
    where exists (select 1 from ${SCHEMA}.enrollment e join ${SCHEMA}.attendance_exact_count a on a.enrollment_id = e.id where e.person_identity_id = p.id and e.school_year = ${SCHOOL_YEAR})
      and exists (select 1 from ${SCHEMA}.test_score t where t.person_identity_id = p.id)
    order by p.id limit 1`);
  if (!row) throw new Error('the seeded district has no student with attendance and test scores');
  person = row;
}, 240_000);

afterEach(async () => {
  await harness.closePages();
});

afterAll(async () => {
  await harness?.stop();
  await system?.stop();
}, 60_000);

/**
 * The person and every record below them at the district, per table, counted without the code
 * under test: from the person down through the district's own columns named `<parent table>_id`,
 * to a fixed point; rows of a table with a school year only of the year asked for.
 */
async function belowPerson(personId: number): Promise<Map<string, number>> {
  const columns = await system.district.sql<{ table_name: string; column_name: string }[]>`
    select table_name, column_name from information_schema.columns where table_schema = ${SCHEMA}`;
  const tables = new Map<string, string[]>();
  for (const { table_name: table, column_name: column } of columns) tables.set(table, [...(tables.get(table) ?? []), column]);
  const held = new Map<string, Set<number>>([['person_identity', new Set([personId])]]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [table, cols] of tables) {
      for (const column of cols.filter((c) => c.endsWith('_id') && held.has(c.slice(0, -3)) && c.slice(0, -3) !== table)) {
        const parents = [...(held.get(column.slice(0, -3)) ?? [])];
        const year = cols.includes('school_year') ? ` and school_year = ${SCHOOL_YEAR}` : '';
        const rows = await system.district.sql.unsafe(`select id::int as id from ${SCHEMA}."${table}" where "${column}" = any($1::bigint[])${year}`, [parents] as never[]);
        const set = held.get(table) ?? new Set<number>();
        for (const { id } of rows) {
          if (!set.has(Number(id))) {
            set.add(Number(id));
            grew = true;
          }
        }
        if (set.size > 0) held.set(table, set);
      }
    }
  }
  return new Map([...held].map(([table, ids]) => [table, ids.size]));
}

/** The record set the page previews: records per object, as the page shows them, level by level. */
async function shownRecordSet(page: Page, where = '#selective-plan'): Promise<{ object: string; records: number; text: string }[][]> {
  return page.evaluate(`[...document.querySelectorAll('${where} ol.levels > li')].map((level) =>
    [...level.querySelectorAll('li[data-object]')].map((li) => ({ object: li.dataset.object, records: Number(li.dataset.records), text: li.textContent })))`);
}

async function openAs(token: string): Promise<Page> {
  const page = await harness.open();
  await harness.signIn(page, token);
  await page.locator('#selective-object option').first().waitFor({ state: 'attached' });
  return page;
}

/** Searches as a person would: types into the search box and presses Enter. */
async function search(page: Page, text: string): Promise<{ id: number; label: string }[]> {
  // The search belongs to the district shown: before its view is up (slow under load), Enter finds nothing to search.
  await waitUntil(page, `(document.getElementById('objects').dataset.view ?? '').startsWith('1001:')`);
  await page.getByLabel('Find records', { exact: true }).fill(text);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/districts/1001/records?')),
    page.getByLabel('Find records', { exact: true }).press('Enter'),
  ]);
  expect(response.status()).toBe(200);
  const { records } = (await response.json()) as { records: { id: number; label: string }[] };
  await waitUntil(page, `document.getElementById('selective-found').dataset.text === ${JSON.stringify(text)}`);
  return records;
}

const pickedIds = (page: Page) => page.evaluate(`[...document.querySelectorAll('#selective-picked li[data-record]')].map((li) => li.dataset.record)`);

const label = () => `${person.last_name}, ${person.first_name} (local ${person.local_id})`;

describe('the Selective Sync panel', () => {
  it('finds a person by local number and by name, picks them, and previews exactly what the district holds of them', async () => {
    const page = await openAs(TOKENS.district1001);
    expect(await page.locator('#selective-object').inputValue()).toBe('PersonIdentity');
    expect(await page.locator('#selective-query-help').textContent()).toContain('state ID, local number or name');

    // By local number: that one person.
    const byNumber = await search(page, person.local_id);
    expect(byNumber).toEqual([{ id: person.id, label: label() }]);
    expect(await page.locator('#selective-found li[data-record]').allTextContents()).toEqual([`${label()} id ${person.id} Add ${label()}`]);
    await page.getByRole('button', { name: `Add ${label()}` }).click();
    expect(await pickedIds(page)).toEqual([String(person.id)]);
    expect(await page.locator('#selective-picked-title').textContent()).toBe('Chosen records (1 PersonIdentity record)');

    // By name ("First Last"): the person is among those found, already chosen.
    const byName = await search(page, `${person.first_name} ${person.last_name}`);
    expect(byName.map((record) => record.id)).toContain(person.id);
    expect(await page.locator(`#selective-found li[data-record="${person.id}"] button`).textContent()).toBe(`Added ${label()}`);
    expect(await page.locator(`#selective-found li[data-record="${person.id}"] button`).isDisabled()).toBe(true);

    // Everything below them, without parents: the person and their dependents, per object.
    await page.getByLabel('With their parent records', { exact: true }).uncheck();
    await page.getByLabel('With every record below them', { exact: true }).check();
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.locator('#selective-plan ol.levels').waitFor();
    const shown = (await shownRecordSet(page)).flat();
    const expected = await belowPerson(person.id);
    expect(expected.get('enrollment')).toBeGreaterThan(0);
    expect(expected.get('attendance_exact_count')).toBeGreaterThan(0);
    expect(new Map(shown.map((entry) => [tableName(entry.object), entry.records]))).toEqual(expected);
    const total = [...expected.values()].reduce((sum, n) => sum + n, 0);
    expect(await page.locator('#selective-plan-summary').textContent())
      .toBe(`${total} records of ${expected.size} objects for 2026-27: 1 PersonIdentity record, with every record below it.`);
    // Parents first: each object after every parent of it that is in the set.
    const levelOf = new Map((await shownRecordSet(page)).flatMap((level, index) => level.map((entry) => [entry.object, index] as const)));
    for (const [object, level] of levelOf) {
      for (const parent of CATALOG.get(object).parents.filter((p) => levelOf.has(p))) expect(levelOf.get(parent), `${parent} before ${object}`).toBeLessThan(level);
    }

    // With their parents too: the same records below them, and the ones above (one district).
    await page.getByLabel('With their parent records', { exact: true }).check();
    expect(await page.locator('#selective-plan').isHidden()).toBe(true); // a preview of another choice is not kept
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await waitUntil(page, `document.querySelector('#selective-plan li[data-object="District"]')`);
    const withParents = new Map((await shownRecordSet(page)).flat().map((entry) => [entry.object, entry.records]));
    for (const entry of shown) expect(withParents.get(entry.object), entry.object).toBe(entry.records);
    expect(withParents.get('District')).toBe(1);
    expect(withParents.get('ScheduleStructure')).toBeGreaterThanOrEqual(1);

    // Pasted ids: one the district does not hold is named, and what becomes of it said.
    await page.getByLabel('Or paste record ids', { exact: true }).fill('abc, 12x');
    await page.getByRole('button', { name: 'Add these ids' }).click();
    expect(await page.locator('#error').textContent()).toBe('Not record ids: abc, 12x. A record id is a whole number above 0, e.g. 2131.');
    await page.getByLabel('Or paste record ids', { exact: true }).fill(`${person.id}\n987654321`);
    await page.getByRole('button', { name: 'Add these ids' }).click();
    expect(await pickedIds(page)).toEqual([String(person.id), '987654321']);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.locator('#selective-plan-missing').waitFor();
    expect(await page.locator('#selective-plan-missing').textContent())
      .toBe('Not at district 1001: PersonIdentity 987654321. The state\'s copy of it is removed if the state holds one; otherwise it is reported.');
    await mkdir(RESULTS_DIR, { recursive: true });
    await page.locator('#selective-section').screenshot({ path: path.join(RESULTS_DIR, 'selective-preview.png') });
  }, TEST_TIMEOUT);

  it('refuses at Add, adding none, ids beyond the 10 000 a Selective Sync may name — pasted or found', async () => {
    const tooMany = 'at most 10 000 ids per Selective Sync (choose a record with includeDependents to take everything below it)';
    const page = await openAs(TOKENS.district1001);
    const asked: string[] = [];
    page.on('request', (r) => void (r.url().includes('/selective-syncs') && asked.push(r.url())));
    const chosen = () => page.locator('#selective-picked li[data-record]').count();
    const box = page.getByLabel('Or paste record ids', { exact: true });
    // Pasted at once (typing 140 kB through fill() is needlessly slow).
    await page.evaluate(`document.getElementById('selective-ids').value = ${JSON.stringify(Array.from({ length: 9_999 }, (_, index) => 9_000_000_000_000 + index).join('\n'))}`);
    await page.getByRole('button', { name: 'Add these ids' }).click();
    expect(await chosen()).toBe(9_999);
    expect(await page.locator('#error').textContent()).toBe('');
    // Two more would make 10 001: none is added, the ids stay in the box to trim.
    await box.fill('987654321 987654322');
    await page.getByRole('button', { name: 'Add these ids' }).click();
    expect(await page.locator('#error').textContent()).toBe(tooMany);
    expect(await chosen()).toBe(9_999);
    expect(await box.inputValue()).toBe('987654321 987654322');
    // One already chosen and one more: exactly 10 000.
    await box.fill('9000000000000 987654321');
    await page.getByRole('button', { name: 'Add these ids' }).click();
    expect(await page.locator('#error').textContent()).toBe('');
    expect(await chosen()).toBe(10_000);
    // A record found by search cannot be added beyond it either.
    await search(page, person.local_id);
    await page.getByRole('button', { name: `Add ${label()}` }).click();
    expect(await page.locator('#error').textContent()).toBe(tooMany);
    expect(await chosen()).toBe(10_000);
    expect(await page.locator(`#selective-picked li[data-record="${person.id}"]`).count()).toBe(0);
    expect(asked).toEqual([]);
  }, TEST_TIMEOUT);

  it('the preview names a pasted record of another school year, which it leaves out', async () => {
    const current = Number((await system.district.sql.unsafe(`select min(id) as id from ${SCHEMA}.enrollment where school_year = 2026`))[0]?.id);
    const [row] = await system.district.sql.unsafe(`insert into ${SCHEMA}.enrollment
      select (select max(id) + 1 from ${SCHEMA}.enrollment), person_identity_id, 2025, grade, start_date, end_date, service_type, state_excluded, now()
      from ${SCHEMA}.enrollment where id = $1 returning id`, [current] as never[]);
    const previous = Number(row!.id);
    try {
      const page = await openAs(TOKENS.district1001);
      await page.locator('#selective-object').selectOption('Enrollment');
      await page.getByLabel('With their parent records', { exact: true }).uncheck();
      await page.getByLabel('Or paste record ids', { exact: true }).fill(`${previous} ${current}`);
      await page.getByRole('button', { name: 'Add these ids' }).click();
      await page.getByRole('button', { name: 'Preview', exact: true }).click();
      await page.locator('#selective-plan-other-years').waitFor();
      expect(await page.locator('#selective-plan-other-years').textContent()).toBe(`Of another school year than 2026-27: Enrollment ${previous}. `
        + 'A Selective Sync resyncs one school year\'s records: it is left out here, and sending it is refused. Remove it, or choose that school year.');
      expect(await page.locator('#selective-plan-summary').textContent()).toMatch(/^1 record of 1 object for 2026-27: /);
    } finally {
      await system.district.sql.unsafe(`delete from ${SCHEMA}.enrollment where id = $1`, [previous] as never[]);
    }
  }, TEST_TIMEOUT);

  it('sends a Selective Sync after confirming it: 202, the batch of kind selective in the history, followed like any other', async () => {
    const page = await openAs(TOKENS.district1001);
    await search(page, person.local_id);
    await page.getByRole('button', { name: `Add ${label()}` }).click();
    await page.getByLabel('With every record below them', { exact: true }).check();
    await page.getByRole('button', { name: 'Send Selective Sync' }).click();
    await page.getByRole('dialog', { name: 'Send Selective Sync?' }).waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('selective-confirm-cancel');
    const plan = await harness.api<{ total: number; levels: { object: string; records: number }[][] }>(TOKENS.district1001, '/api/districts/1001/selective-syncs/plan',
      { method: 'POST', body: { object: 'PersonIdentity', ids: [person.id], includeDependents: true } });
    expect(await page.locator('#selective-confirm-summary').textContent()).toBe(`Send a Selective Sync of 1 PersonIdentity record, with its parent records and every record below it `
      + `(${label()}) of district 1001 for 2026-27 to the state: ${plan.total} records in all.`);
    expect((await shownRecordSet(page, '#selective-confirm-plan')).map((level) => level.map((entry) => [entry.object, entry.records])))
      .toEqual(plan.levels.map((level) => level.map((entry) => [entry.object, entry.records])));
    expect(await page.locator('#selective-confirm-missing').isHidden()).toBe(true);

    const [request, response] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/districts/1001/selective-syncs')),
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/districts/1001/selective-syncs')),
      page.getByRole('button', { name: 'OK', exact: true }).click(),
    ]);
    expect(response.status()).toBe(202);
    expect(request.postDataJSON()).toEqual({ object: 'PersonIdentity', ids: [person.id], includeParents: true, includeDependents: true, year: 'current' });
    const started = (await response.json()) as { batchId: string; kind: string };
    expect(started.kind).toBe('selective');
    sentBatchId = started.batchId;
    expect(await page.evaluate('document.activeElement?.id')).toBe('selective-send');
    await waitUntil(page, `document.getElementById('status').textContent.startsWith('Selective Sync batch ${sentBatchId} ')`);
    // The choice is done with; the batch is in the history, of kind selective, saying what was chosen.
    expect(await page.locator('#selective-picked li[data-record]').count()).toBe(0);
    const row = page.locator(`#history tr[data-batch="${sentBatchId}"]`);
    await row.waitFor();
    expect(await row.locator('td:nth-child(3)').textContent()).toBe('District (Jane Doe)');
    expect(await row.locator('td:nth-child(4)').textContent()).toBe('Selective: 1 PersonIdentity record, with its parent records and every record below it');
  }, TEST_TIMEOUT);

  // Needs the copy of a selective batch's record set (the batch resyncs exactly those records).
  it('the Selective Sync sent completes, with the chosen person at the state, as the page shows', async () => {
    expect(sentBatchId).not.toBe('');
    const deadline = Date.now() + BATCH_TIMEOUT;
    let batch = await harness.api<{ status: string; outcome: string; kind: string }>(TOKENS.district1001, `/api/resyncs/${sentBatchId}`);
    while (['queued', 'running'].includes(batch.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      batch = await harness.api(TOKENS.district1001, `/api/resyncs/${sentBatchId}`);
    }
    expect(batch.kind).toBe('selective');
    expect(batch.status).toBe('completed');
    const [atState] = await system.db.sql.unsafe('select id::int as id, source_district from state.person_identity where source_district = $1 and id = $2',
      ['1001', person.id] as never[]);
    expect(atState).toEqual({ id: person.id, source_district: '1001' });
    const page = await openAs(TOKENS.district1001);
    await waitUntil(page, `document.querySelector('#history tr[data-batch="${sentBatchId}"] td:nth-child(5)')?.textContent === '${batch.outcome}'`);
  }, TEST_TIMEOUT);

  it('holds Send Selective Sync, with the reason beside it, while a batch of the district and year runs', async () => {
    const release = await holdStateTable(system.db.sql, 'District');
    let batchId = '';
    let page!: Page;
    try {
      ({ batchId } = await harness.api<{ batchId: string }>(TOKENS.district1001, '/api/districts/1001/resyncs', { method: 'POST', body: { objects: ['District'], year: 'current' } }));
      page = await openAs(TOKENS.district1001);
      await waitUntil(page, `document.getElementById('selective-send').getAttribute('aria-disabled') === 'true'
        && document.getElementById('selective-blocked').textContent.includes(' is running ')`);
      expect(await page.locator('#selective-blocked').textContent())
        .toBe(`A resync of district 1001 for 2026-27 is running (batch ${batchId}). Send Selective Sync is available again when it has finished.`);
      expect(await page.locator('#selective-blocked').isVisible()).toBe(true);
    } finally {
      await release();
    }
    await waitUntil(page, `!document.getElementById('selective-send').hasAttribute('aria-disabled')`);
    expect(await page.locator('#selective-blocked').isHidden()).toBe(true);
  }, TEST_TIMEOUT);

  it('lets a Read-only user find and preview, never send; the state requests one', async () => {
    const reader = await openAs(DISTRICT_READER);
    await search(reader, person.local_id);
    await reader.getByRole('button', { name: `Add ${label()}` }).click();
    await reader.getByRole('button', { name: 'Preview', exact: true }).click();
    await reader.locator('#selective-plan ol.levels').waitFor();
    expect(await reader.locator('#selective-send').isHidden()).toBe(true);
    expect(await reader.locator('#selective-read-only').textContent())
      .toBe('With Read rights you can find records and preview a Selective Sync; sending one needs Write.');
    expect(await reader.getByRole('button', { name: /Selective Sync/ }).count()).toBe(0);

    const state = await openAs(TOKENS.state);
    expect(await state.locator('#selective-send').textContent()).toBe('Request Selective Sync');
    expect(await state.locator('#selective-read-only').isHidden()).toBe(true);
  }, TEST_TIMEOUT);
});
