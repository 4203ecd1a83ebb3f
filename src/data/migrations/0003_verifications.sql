-- Verification summaries kept with the batch they belong to: before and after a "verify, then
-- resync", and after every batch for the objects it touched (so a green that does not match shows).
create table resync.verification (
  verification_id bigserial primary key,
  district_id text not null references resync.district,
  school_year integer not null,
  batch_id text references resync.batch on delete cascade,
  purpose text not null check (purpose in ('before', 'after', 'post-run', 'on-demand')),
  objects jsonb not null,
  in_sync boolean not null,
  created_at timestamptz not null default now()
);
create index verification_batch on resync.verification (batch_id);
create index verification_district on resync.verification (district_id, school_year, created_at desc);

alter table resync.batch_object add column verified_in_sync boolean;
