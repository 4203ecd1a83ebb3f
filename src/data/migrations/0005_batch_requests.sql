-- A batch's request as the requester made it, stored before the batch is handed to its lane: the
-- workflows carry only its id, so the objects a state request names never travel in a workflow's
-- input (DESIGN §2.6: a district cannot see them). A request whose lane refused it is deleted; one
-- left behind by a crash is invisible (the history lists batches, not requests).
create table resync.batch_request (
  batch_id text primary key,
  district_id text not null references resync.district,
  -- null: every object (a full resync)
  requested_objects text[],
  check_dependencies boolean not null,
  requested_at timestamptz not null default now()
);

-- Who cancelled a batch, and when: the outcome reads "cancelled by <who> at <time>".
alter table resync.batch add column cancel_requested_by text;
alter table resync.batch add column cancel_requested_at timestamptz;
