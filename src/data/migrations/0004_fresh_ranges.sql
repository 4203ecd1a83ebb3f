-- A range whose object the state does not hold yet for the district (and year) is loaded with a
-- plain INSERT instead of an upsert: a first resync of a district copies faster.
alter table resync.batch_range add column fresh boolean not null default false;
