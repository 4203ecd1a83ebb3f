// The State Resync API as seen from the page: one typed method per endpoint the page calls. Every
// call carries the bearer token; failures arrive as application/problem+json and are thrown as
// ApiError with the problem attached.
import type {
  Activity, AlertsPage, BatchDetail, CancelAnswer, DistrictSettings, DistrictSummary, ErrorsPage, FoundRecords, HistoryPage, Me, ObjectTable, PlanPreview,
  Problem, RecordRef, ResyncBody, Role, SchoolYearChoice, SelectiveBody, SelectivePreview, StartedResync, StartedRetry, StartedSelectiveSync,
  StartedStateWide, StateWideBody, StateWideCancelAnswer, StateWideList, StateWideProgress,
} from './api-types';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: number, readonly problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }
}

type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

const district = (id: string) => `/api/districts/${encodeURIComponent(id)}`;
const batch = (id: string) => `/api/resyncs/${encodeURIComponent(id)}`;
const stateWide = (id: string) => `/api/state/resyncs/${encodeURIComponent(id)}`;

export class Api {
  constructor(private readonly token: string) {}

  /** Sends the request; resolves to the response when 2xx, else throws ApiError (or the fetch
   *  TypeError when the server cannot be reached). */
  private async request(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: 'application/json, application/problem+json', ...extra };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (response.ok || response.status === 304) return response;
    let problem: Problem = { title: response.statusText, status: response.status, detail: '' };
    try {
      problem = { ...problem, ...((await response.json()) as Partial<Problem>) };
    } catch {
      // Not a problem document (e.g. a proxy's error page): the status line is all we have.
    }
    const retryAfter = Number(response.headers.get('Retry-After'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) problem.retryAfter = retryAfter;
    throw new ApiError(response.status, problem);
  }

  private async get<T>(path: string, query?: Query): Promise<T> {
    return (await (await this.request('GET', withQuery(path, query))).json()) as T;
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    return (await (await this.request('POST', path, body)).json()) as T;
  }

  private async patch<T>(path: string, body: unknown): Promise<T> {
    return (await (await this.request('PATCH', path, body)).json()) as T;
  }

  me(): Promise<Me> {
    return this.get('/api/me');
  }

  async districts(): Promise<DistrictSummary[]> {
    return (await this.get<{ districts: DistrictSummary[] }>('/api/districts')).districts;
  }

  /** Turns the automatic retry of records that waited for a parent on or off (Write rights). */
  setAutoRetryDeferred(districtId: string, autoRetryDeferred: boolean): Promise<DistrictSettings> {
    return this.patch(district(districtId), { autoRetryDeferred });
  }

  objects(districtId: string, year: SchoolYearChoice): Promise<ObjectTable> {
    return this.get(`${district(districtId)}/objects`, { year });
  }

  plan(districtId: string, body: ResyncBody): Promise<PlanPreview> {
    return this.post(`${district(districtId)}/resyncs/plan`, body);
  }

  /** A district sends a resync of its own district; the state requests one of any district. */
  startResync(role: Role, districtId: string, body: ResyncBody): Promise<StartedResync> {
    const path = role === 'state'
      ? `/api/state/districts/${encodeURIComponent(districtId)}/resync-requests`
      : `${district(districtId)}/resyncs`;
    return this.post(path, body);
  }

  batch(batchId: string): Promise<BatchDetail> {
    return this.get(batch(batchId));
  }

  /** The district's activity; null when it has not changed since `etag` (304). */
  async activity(districtId: string, etag: string | null): Promise<{ activity: Activity; etag: string | null } | null> {
    const response = await this.request('GET', `${district(districtId)}/activity`, undefined, etag ? { 'If-None-Match': etag } : {});
    if (response.status === 304) return null;
    return { activity: (await response.json()) as Activity, etag: response.headers.get('ETag') };
  }

  /** Resyncs the records that failed in an ended batch for a missing parent or a refusal (with the
   *  missing parents) as a selective batch; 422 Nothing To Retry when it has none. */
  retryFailed(batchId: string): Promise<StartedRetry> {
    return this.post(`${batch(batchId)}/retry-failed`, undefined);
  }

  /** Cancels a queued (withdrawn) or running (cancelling) batch. */
  cancel(batchId: string): Promise<CancelAnswer> {
    return this.post(`${batch(batchId)}/cancel`, undefined);
  }

  /** Newest first; `year` narrows to one school year. */
  history(districtId: string, page: { limit: number; offset: number; year?: SchoolYearChoice }): Promise<HistoryPage> {
    return this.get(`${district(districtId)}/history`, page);
  }

  /** A page of a batch's error log; `cause` narrows to the records one record caused, `order`
   *  'cause' lists each cause's records together. */
  errors(batchId: string, page: { limit: number; offset: number; object?: string; cause?: RecordRef; order?: 'record' | 'cause' }): Promise<ErrorsPage> {
    const { cause, ...rest } = page;
    return this.get(`${batch(batchId)}/errors`, { ...rest, cause: cause ? `${cause.object}:${cause.recordId}` : undefined });
  }

  /** The whole error log of a batch (or of one of its objects) as CSV. */
  async errorsCsv(batchId: string, object?: string): Promise<Blob> {
    return (await this.request('GET', withQuery(`${batch(batchId)}/errors`, { format: 'csv', object }))).blob();
  }

  alerts(query: { limit: number; district?: string }): Promise<AlertsPage> {
    return this.get('/api/alerts', query);
  }

  /** Records of `object` at the district that `text` names (a state ID, local number, name, id). */
  findRecords(districtId: string, object: string, text: string, limit: number, year: string): Promise<FoundRecords> {
    return this.get(`${district(districtId)}/records`, { object, q: text, limit, year });
  }

  /** The record set a Selective Sync would resync, per object; nothing starts. */
  planSelective(districtId: string, body: SelectiveBody): Promise<SelectivePreview> {
    return this.post(`${district(districtId)}/selective-syncs/plan`, body);
  }

  startSelective(districtId: string, body: SelectiveBody): Promise<StartedSelectiveSync> {
    return this.post(`${district(districtId)}/selective-syncs`, body);
  }

  /** The state's latest state-wide requests, and the global throttle's bound. */
  stateWideList(): Promise<StateWideList> {
    return this.get('/api/state/resyncs');
  }

  startStateWide(body: StateWideBody): Promise<StartedStateWide> {
    return this.post('/api/state/resyncs', body);
  }

  stateWideProgress(requestId: string): Promise<StateWideProgress> {
    return this.get(stateWide(requestId));
  }

  /** Cancels every district batch of the request not yet ended (409 once it has ended). */
  cancelStateWide(requestId: string): Promise<StateWideCancelAnswer> {
    return this.post(`${stateWide(requestId)}/cancel`, undefined);
  }
}
