-- The record that caused an error, when it is another record: the parent missing at the state
-- (parent-missing), or the excluded ancestor (not-allowed because of it). The tool groups child
-- errors under their cause ("Enrollment 2131 is state-excluded → 8 attendance records").
alter table resync.sync_error add column cause_object text;
alter table resync.sync_error add column cause_record_id bigint;
create index sync_error_cause on resync.sync_error (batch_id, cause_object, cause_record_id) where cause_object is not null;
