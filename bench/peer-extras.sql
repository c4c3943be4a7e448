-- What the peer needs on newsroom's benchmark database: PostGraphile 5 (amber preset) only offers
-- `condition` on indexed columns, and newsroom has no index that starts with release.status (its
-- lists walk the published_at index). Newsroom is measured on the same database, index included.
create index if not exists bench_release_status on release (status);
analyze release;
