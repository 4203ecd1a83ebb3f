// Process alerts (the seed's "Process Alerts"): messages for a district's and the state's users.
import type { Sql } from './db';

export interface Alert {
  readonly alertId: number;
  readonly districtId: string;
  readonly category: string;
  readonly title: string;
  readonly message: string;
  readonly batchId: string | null;
  readonly createdAt: Date;
}

export interface NewAlert {
  readonly districtId: string;
  readonly category: string;
  readonly title: string;
  readonly message: string;
  readonly batchId?: string | null;
}

interface AlertRow {
  alert_id: number; district_id: string; category: string; title: string; message: string; batch_id: string | null; created_at: Date;
}

const toAlert = (row: AlertRow): Alert => ({
  alertId: row.alert_id, districtId: row.district_id, category: row.category, title: row.title,
  message: row.message, batchId: row.batch_id, createdAt: row.created_at,
});

/** Idempotent per (district, batch, title): a retried activity does not raise the alert twice. */
export async function raiseAlert(sql: Sql, alert: NewAlert): Promise<Alert> {
  const [existing] = alert.batchId
    ? await sql<AlertRow[]>`select * from resync.alert where district_id = ${alert.districtId}
        and batch_id = ${alert.batchId} and title = ${alert.title}`
    : [];
  if (existing) return toAlert(existing);
  const [row] = await sql<AlertRow[]>`insert into resync.alert ${sql({
    district_id: alert.districtId, category: alert.category, title: alert.title, message: alert.message, batch_id: alert.batchId ?? null,
  })} returning *`;
  if (!row) throw new Error('raising an alert returned nothing');
  return toAlert(row);
}

export async function listAlerts(sql: Sql, filter: { districtId?: string; limit: number; offset: number }): Promise<Alert[]> {
  const districtFilter = filter.districtId === undefined ? sql`` : sql`where district_id = ${filter.districtId}`;
  const rows = await sql<AlertRow[]>`select * from resync.alert ${districtFilter}
    order by created_at desc, alert_id desc limit ${filter.limit} offset ${filter.offset}`;
  return rows.map(toAlert);
}
