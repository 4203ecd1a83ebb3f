-- Change notifications for the tool page's live view: a batch queued, started, ended or cancelled,
-- an object of a batch starting or finishing, or an alert raised NOTIFYs channel resync_activity
-- with the district id. The API keeps one cached activity document per district and re-reads it
-- only after such a notification, so that every open page of a district shares one read per change.
-- Record counts of a running object (one UPDATE per copied page, the copy's hot path) do not
-- notify: the API re-reads a district with a running batch at most once a second instead.
-- PostgreSQL delivers a notification at commit and folds identical ones of one transaction.
create function resync.notify_activity() returns trigger language plpgsql as $$
declare
  district text;
begin
  if tg_table_name = 'batch_object' then
    select b.district_id into district from resync.batch b where b.batch_id = new.batch_id;
  else
    district := new.district_id;
  end if;
  if district is not null then
    perform pg_notify('resync_activity', district);
  end if;
  return null;
end $$;

create trigger batch_activity after insert or update on resync.batch
  for each row execute function resync.notify_activity();
create trigger batch_object_activity after update of status on resync.batch_object
  for each row execute function resync.notify_activity();
create trigger alert_activity after insert on resync.alert
  for each row execute function resync.notify_activity();
