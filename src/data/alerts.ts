// Process alerts (the seed's "Process Alerts"): messages for a district's and the state's users.
// An alert is addressed to the district's users, the state's users, or both ('all'); the state's
// users have one inbox across every district. Read marks are per user (alert_read.reader is the
// user's stable id), so one user reading an alert does not hide it from a colleague.
import type { Queryable, Sql } from './db';

export type AlertAudience = 'all' | 'district' | 'state';

export interface Alert {
  readonly alertId: number;
  readonly districtId: string;
  readonly category: string;
  readonly title: string;
  readonly message: string;
  readonly batchId: string | null;
  readonly audience: AlertAudience;
  readonly createdAt: Date;
}

/** An alert as one user sees it: when they marked it read (null: unread). */
export interface InboxAlert extends Alert {
  readonly readAt: Date | null;
}

export interface NewAlert {
  readonly districtId: string;
  readonly category: string;
  readonly title: string;
  readonly message: string;
  readonly batchId?: string | null;
  /** Default 'all': the district's and the state's users. */
  readonly audience?: AlertAudience;
}

/** Whose alerts: the state's users (every district, or one), or one district's users. */
export type Inbox =
  | { readonly role: 'state'; readonly districtId?: string | undefined }
  | { readonly role: 'district'; readonly districtId: string };

interface AlertRow {
  alert_id: number; district_id: string; category: string; title: string; message: string; batch_id: string | null;
  audience: AlertAudience; created_at: Date; read_at?: Date | null;
}

const toAlert = (row: AlertRow): Alert => ({
  alertId: row.alert_id, districtId: row.district_id, category: row.category, title: row.title,
  message: row.message, batchId: row.batch_id, audience: row.audience, createdAt: row.created_at,
});

const toInboxAlert = (row: AlertRow): InboxAlert => ({ ...toAlert(row), readAt: row.read_at ?? null });

/** Idempotent per (district, batch, title, audience): a retried activity does not raise the alert twice. */
export async function raiseAlert(sql: Queryable, alert: NewAlert): Promise<Alert> {
  const audience = alert.audience ?? 'all';
  const [existing] = alert.batchId
    ? await sql<AlertRow[]>`select * from resync.alert where district_id = ${alert.districtId}
        and batch_id = ${alert.batchId} and title = ${alert.title} and audience = ${audience}`
    : [];
  if (existing) return toAlert(existing);
  const [row] = await sql<AlertRow[]>`insert into resync.alert ${sql({
    district_id: alert.districtId, category: alert.category, title: alert.title, message: alert.message, batch_id: alert.batchId ?? null, audience,
  })} returning *`;
  if (!row) throw new Error('raising an alert returned nothing');
  return toAlert(row);
}

/** The alerts an inbox holds, as a SQL condition on `a` (resync.alert). */
function inInbox(sql: Queryable, inbox: Inbox) {
  if (inbox.role === 'district') return sql`a.district_id = ${inbox.districtId} and a.audience in ('all', 'district')`;
  return inbox.districtId === undefined
    ? sql`a.audience in ('all', 'state')`
    : sql`a.district_id = ${inbox.districtId} and a.audience in ('all', 'state')`;
}

export interface InboxPage {
  readonly alerts: InboxAlert[];
  /** Alerts in the inbox (with the filter applied). */
  readonly total: number;
  /** Of those, not yet read by this reader. */
  readonly unread: number;
}

/**
 * One user's alerts, unread first, then newest first.
 * @param reader the user's stable id (Principal.id)
 */
export async function listInbox(
  sql: Sql, inbox: Inbox, reader: string, page: { limit: number; offset: number; unreadOnly?: boolean },
): Promise<InboxPage> {
  const unreadFilter = page.unreadOnly ? sql`and r.read_at is null` : sql``;
  const rows = await sql<AlertRow[]>`select a.*, r.read_at from resync.alert a
    left join resync.alert_read r on r.alert_id = a.alert_id and r.reader = ${reader}
    where ${inInbox(sql, inbox)} ${unreadFilter}
    order by (r.read_at is null) desc, a.created_at desc, a.alert_id desc
    limit ${page.limit} offset ${page.offset}`;
  const [counts] = await sql<{ total: number; unread: number }[]>`select count(*)::int as total,
      (count(*) filter (where r.read_at is null))::int as unread
    from resync.alert a left join resync.alert_read r on r.alert_id = a.alert_id and r.reader = ${reader}
    where ${inInbox(sql, inbox)} ${unreadFilter}`;
  return { alerts: rows.map(toInboxAlert), total: Number(counts?.total ?? 0), unread: Number(counts?.unread ?? 0) };
}

/**
 * Marks an alert read for one user; marking it again keeps the first time.
 * @returns the alert as that user now sees it, or undefined when it is not in their inbox
 */
export async function markAlertRead(sql: Sql, inbox: Inbox, reader: string, alertId: number): Promise<InboxAlert | undefined> {
  return sql.begin(async (tx) => {
    const [alert] = await tx<AlertRow[]>`select a.* from resync.alert a where a.alert_id = ${alertId} and ${inInbox(tx, inbox)}`;
    if (!alert) return undefined;
    await tx`insert into resync.alert_read (alert_id, reader) values (${alertId}, ${reader}) on conflict do nothing`;
    const [read] = await tx<{ read_at: Date }[]>`select read_at from resync.alert_read where alert_id = ${alertId} and reader = ${reader}`;
    return toInboxAlert({ ...alert, read_at: read?.read_at ?? null });
  }) as Promise<InboxAlert | undefined>;
}

/** Alerts raised for a batch (tests, diagnostics). */
export async function alertsOfBatch(sql: Sql, batchId: string): Promise<Alert[]> {
  return (await sql<AlertRow[]>`select * from resync.alert where batch_id = ${batchId} order by alert_id`).map(toAlert);
}
