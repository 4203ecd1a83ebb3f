// Error details of a batch (the seed's district agent log): counts by reason and object, the
// records that made others fail, the records in error twenty a page (each named by its person,
// school and calendar, grouped under their cause), an object filter, and the whole log as CSV.
import { byId, h } from './dom';
import { downloadErrorsCsv } from './error-csv';
import { causeList, errorRows, REASON_WORDS } from './error-views';
import { formatNumber } from './format';
import { fail, showError } from './messages';
import { renderPager } from './pager';
import { on, session } from './store';

const ERRORS_PAGE = 20;
/** A reason code as the heading of its group: "Not allowed to sync". */
const REASON_LABEL: Record<string, string> = Object.fromEntries(Object.entries(REASON_WORDS).map(([code, words]) => [code, words.charAt(0).toUpperCase() + words.slice(1)]));

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
          h('span', { class: 'reason-words' }, REASON_LABEL[code] ?? code), h('span', { class: 'code' }, code), ` (${formatNumber(sum)})`,
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
    page = await session().api.errors(current.batchId, {
      limit: ERRORS_PAGE, offset: current.offset, order: 'cause', ...(current.object ? { object: current.object } : {}),
    });
  } catch (error) {
    fail(error);
    return;
  }
  if (shown !== current) return;
  current.objects ??= [...new Set(page.reasons.map((reason) => reason.object))].sort();
  objectFilter().replaceChildren(h('option', { value: '' }, 'All objects'),
    ...current.objects.map((object) => h('option', { value: object, selected: object === current.object }, object)));
  renderReasons(page);
  byId('errors-causes').replaceChildren(...(page.causes.groups.length > 0
    ? [h('h3', {}, 'Records that made others fail'), causeList(page.causes.groups, page.causes.total, (group) => {
      Object.assign(current, { object: group.object, offset: 0 });
      void load();
    })]
    : []));
  byId('errors-list', HTMLTableElement).tBodies[0]?.replaceChildren(...errorRows(page.errors, true));
  renderPager(byId('errors-pager'), page, 'records', (offset) => {
    current.offset = offset;
    void load();
  }, () => byId('errors-title'));
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
  byId('errors-csv', HTMLButtonElement).addEventListener('click', () => {
    if (shown) void downloadErrorsCsv(shown.batchId, shown.object || undefined);
  });
  on('show-errors', (batchId) => void open(batchId));
  on('view', close);
  on('session', (current) => {
    if (!current) close();
  });
}
