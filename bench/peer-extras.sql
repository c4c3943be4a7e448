-- What the peer needs on newsroom's benchmark database. PostGraphile 5 (amber preset) only offers
-- `condition` on indexed columns, and its list query (status = 'published' ORDER BY published_at
-- DESC) is best served by the index the shared reference schema gives it (../shared/bench/example/
-- schema.sql), with the key as tie-break as the query orders by it: without it, its walk down the
-- published_at index meets every draft (NULL published_at sorts first in DESC) before the first row.
-- Newsroom is measured on the same database, this index included.
drop index if exists bench_release_status;
create index if not exists bench_release_status_published_at on release (status, published_at desc, id desc);
analyze release;
