-- An object of a batch changing status no longer NOTIFYs resync_activity (migration 0008 did).
-- PostgreSQL serializes the commits of every transaction that has notified: each takes one
-- database-wide lock before its commit record and keeps it until the commit is on disk. Objects
-- start and finish twice per object and batch — at year end thousands of commits from every
-- copying district — so the copy's bookkeeping queued behind that one lock (measured: 50 districts
-- at once, 19.1–20.0 s with it, 17.0–17.8 s without). The live view loses nothing: an object
-- changes status only while its batch runs, and the API re-reads a district with a running batch
-- at most once a second anyway (api/activity/feed.ts); a batch starting or ending, and an alert,
-- still notify.
drop trigger if exists batch_object_activity on resync.batch_object;
