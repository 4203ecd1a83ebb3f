-- The resync bookkeeping: district registry, batch history (the seed's DISBatchHistory), per-object
-- results, key-range progress, the error log (the seed's district agent log) and process alerts.
create schema if not exists resync;

create table resync.district (
  district_id text primary key check (district_id ~ '^[a-z0-9][a-z0-9_]{0,39}$'),
  name text not null,
  state text check (state ~ '^[A-Z]{2,3}$'),
  reporting_entity boolean not null default false,
  disabled_objects text[] not null default '{}',
  year_sync_previous text[] not null default '{}',
  year_sync_next text[] not null default '{}',
  -- The district's current scoped school year, named by the calendar year it starts in.
  scoped_year integer not null check (scoped_year between 1990 and 2200),
  -- Where the district's source data lives: a connection URL (null: DISTRICT_DATABASE_URL) and schema.
  source_url text,
  source_schema text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table resync.batch (
  batch_id text primary key,
  district_id text not null references resync.district,
  school_year integer not null,
  year_choice text not null check (year_choice in ('current', 'previous', 'next')),
  kind text not null check (kind in ('full', 'partial')),
  initiator text not null check (initiator in ('district', 'state', 'schedule')),
  requested_by text,
  check_dependencies boolean not null,
  requested_objects text[],
  workflow_id text not null,
  status text not null check (status in ('queued', 'running', 'completed', 'failed', 'cancelled')),
  requested_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  planned_objects integer not null default 0,
  processed bigint not null default 0,
  errors bigint not null default 0,
  sent bigint not null default 0,
  deleted bigint not null default 0,
  failure text,
  -- The plan as computed when the batch started: levels and excluded objects with reasons.
  plan jsonb
);
create index batch_district_year on resync.batch (district_id, school_year, requested_at desc);
create index batch_status on resync.batch (status) where status in ('queued', 'running');

create table resync.batch_object (
  batch_id text not null references resync.batch on delete cascade,
  object text not null,
  level integer not null,
  added_by_check_dependencies boolean not null default false,
  status text not null check (status in ('pending', 'running', 'completed', 'failed', 'skipped', 'cancelled')),
  processed bigint not null default 0,
  errors bigint not null default 0,
  sent bigint not null default 0,
  deleted bigint not null default 0,
  kept bigint not null default 0,
  started_at timestamptz,
  finished_at timestamptz,
  failure text,
  primary key (batch_id, object)
);

create table resync.batch_range (
  batch_id text not null,
  object text not null,
  range_index integer not null,
  -- The range covers ids in (low_exclusive, high_inclusive]; null bounds are open.
  low_exclusive bigint,
  high_inclusive bigint,
  -- Last id written to the state, committed with the page it ends.
  cursor bigint,
  processed bigint not null default 0,
  errors bigint not null default 0,
  sent bigint not null default 0,
  done boolean not null default false,
  primary key (batch_id, object, range_index),
  foreign key (batch_id, object) references resync.batch_object on delete cascade
);

create table resync.sync_error (
  batch_id text not null,
  object text not null,
  record_id bigint not null,
  reason_code text not null check (reason_code in ('not-allowed', 'parent-missing', 'refused')),
  reason text not null,
  logged_at timestamptz not null default now(),
  primary key (batch_id, object, record_id),
  foreign key (batch_id, object) references resync.batch_object on delete cascade
);

create table resync.alert (
  alert_id bigserial primary key,
  district_id text not null references resync.district,
  category text not null,
  title text not null,
  message text not null,
  batch_id text references resync.batch on delete set null,
  created_at timestamptz not null default now()
);
create index alert_district on resync.alert (district_id, created_at desc);
