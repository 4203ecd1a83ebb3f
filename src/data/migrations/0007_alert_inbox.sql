-- Process alerts that reach people. An alert is addressed to the district's users, the state's
-- users, or both ("all", every alert raised before this migration): a batch that ends red or
-- failed tells the district in neutral words when the state requested it, and the state in full.
-- Each user marks alerts read for themselves (alert_read, keyed by the user's stable id).
alter table resync.alert add column audience text not null default 'all' check (audience in ('all', 'district', 'state'));
create index alert_audience on resync.alert (audience, created_at desc);

create table resync.alert_read (
  alert_id bigint not null references resync.alert on delete cascade,
  reader text not null check (length(reader) between 1 and 400),
  read_at timestamptz not null default now(),
  primary key (alert_id, reader)
);
create index alert_read_reader on resync.alert_read (reader);
