// Error details of a batch (the seed's district agent log): counts by reason and object, the
// records in error twenty a page, an object filter, and the whole log as a CSV download.
import { byId, h } from './dom';
import { formatNumber, timeOf } from './format';
import { fail, say, showError } from './messages';
import { renderPager } from './pager';
import { on, session } from './store';

const ERRORS_PAGE = 20;

interface Shown {
  readonly batchId: string;
  object: string;
  offset: number;
  /** The objects of the unfiltered first page's reason counts: the filter's choices. */
  objects: string[] | null;
}

let shown: Shown | null = null;

const section = () => byId('errors-section');
const title = () => byId('errors-title');
const objectFilter = () => byId('errors-object', HTMLSelectElement);

async function open(batchId: string): Promise<void> {
  // Another panel: an error about what was shown before no longer applies.
  showError('');
  shown = { batchId, object: '', offset: 0, objects: null };
  section().hidden = false;
  title().textContent = `Error details — batch ${batchId}`;
  await load();
  title().focus();
}

function close(): void {
  shown = null;
  section().hidden = true;
}

function renderReasons(page: { reasons: { reasonCode: string; object: string; count: number }[]; errors: { reasonCode: string; reason: string }[] }): void {
  // Grouped by reason code: one row group per reason, one row per object.
  const byReason = new Map<string, { object: string; count: number }[]>();
  for (const reason of page.reasons) byReason.set(reason.reasonCode, [...(byReason.get(reason.reasonCode) ?? []), reason]);
  const example = new Map(page.errors.map((entry) => [entry.reasonCode, entry.reason]));
  const table = byId('errors-reasons', HTMLTableElement);
  for (const body of [...table.tBodies]) body.remove();
  for (const [code, rows] of byReason) {
    const sum = rows.reduce((total, row) => total + row.count, 0);
    table.append(h('tbody', {}, rows.map((row, index) => h('tr', {},
      index === 0
        ? h('th', { scope: 'rowgroup', rowspan: rows.length },
          h('span', { class: 'code' }, code), ` (${formatNumber(sum)})`,
          example.has(code) ? h('div', { class: 'muted' }, `e.g. ${example.get(code)}`) : null)
        : null,
      h('td', {}, row.object), h('td', { class: 'num' }, formatNumber(row.count))))));
  }
  if (byReason.size === 0) table.append(h('tbody', {}, h('tr', {}, h('td', { colspan: 3 }, 'No errors were logged for this batch.'))));
}

async function load(): Promise<void> {
  const current = shown;
  if (!current) return;
  let page;
  try {
    page = await session().api.errors(current.batchId, { limit: ERRORS_PAGE, offset: current.offset, ...(current.object ? { object: current.object } : {}) });
  } catch (error) {
    fail(error);
    return;
  }
  if (shown !== current) return;
  current.objects ??= [...new Set(page.reasons.map((reason) => reason.object))].sort();
  objectFilter().replaceChildren(h('option', { value: '' }, 'All objects'),
    ...current.objects.map((object) => h('option', { value: object, selected: object === current.object }, object)));
  renderReasons(page);
  byId('errors-list', HTMLTableElement).tBodies[0]?.replaceChildren(...page.errors.map((entry) => h('tr', {},
    h('td', {}, entry.object), h('td', { class: 'num' }, String(entry.recordId)), h('td', {}, entry.reason), h('td', {}, timeOf(entry.loggedAt)))));
  renderPager(byId('errors-pager'), page, 'records', (offset) => {
    current.offset = offset;
    void load();
  });
}

async function downloadCsv(): Promise<void> {
  if (!shown) return;
  const { batchId, object } = shown;
  try {
    // A plain link cannot carry the bearer token: fetch the file and hand it over as a Blob.
    const blob = await session().api.errorsCsv(batchId, object || undefined);
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: `resync-${batchId}-errors${object ? `-${object}` : ''}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000); // after the browser has read it
    say(`Error details of batch ${batchId} downloaded as CSV.`);
  } catch (error) {
    fail(error);
  }
}

export function mountErrorDetails(): void {
  byId('errors-close', HTMLButtonElement).addEventListener('click', () => {
    close();
    byId('history-title').focus();
  });
  objectFilter().addEventListener('change', () => {
    if (!shown) return;
    Object.assign(shown, { object: objectFilter().value, offset: 0 });
    void load();
  });
  byId('errors-csv', HTMLButtonElement).addEventListener('click', () => void downloadCsv());
  on('show-errors', (batchId) => void open(batchId));
  on('view', close);
  on('session', (current) => {
    if (!current) close();
  });
}
