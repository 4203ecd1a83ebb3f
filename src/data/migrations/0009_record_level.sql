-- Record-level resyncs (Selective Sync, differential resyncs, retrying failed records).
-- A selective batch resyncs a set of records, not whole objects: the set (the chosen records, with
-- their parents and dependents when asked) is kept here by id, never in a workflow's history.
alter table resync.batch drop constraint batch_kind_check;
alter table resync.batch add constraint batch_kind_check check (kind in ('full', 'partial', 'selective'));

-- How records travel: copy (every record written) or differential (compared first, only what
-- differs written).
alter table resync.batch add column method text not null default 'copy' check (method in ('copy', 'differential'));
alter table resync.batch_request add column method text not null default 'copy' check (method in ('copy', 'differential'));

-- The Selective Sync request: {object, ids, includeParents, includeDependents} or, for a retry of
-- failed records, {retryOf: batchId}.
alter table resync.batch add column selection jsonb;
alter table resync.batch_request add column selection jsonb;

-- What a differential resync did with each record it compared.
alter table resync.batch_object add column inserted bigint not null default 0;
alter table resync.batch_object add column updated bigint not null default 0;
alter table resync.batch_object add column unchanged bigint not null default 0;

-- The records of a selective batch, per object.
create table resync.batch_record (
  batch_id text not null references resync.batch on delete cascade,
  object text not null,
  record_id bigint not null,
  primary key (batch_id, object, record_id)
);

-- A chosen record neither the district nor the state holds is reported, per id.
alter table resync.sync_error drop constraint sync_error_reason_code_check;
alter table resync.sync_error add constraint sync_error_reason_code_check
  check (reason_code in ('not-allowed', 'parent-missing', 'refused', 'unknown'));

-- Retry records that failed only because their parent was missing, once a later batch lands it.
alter table resync.district add column auto_retry_deferred boolean not null default false;
