-- PostgreSQL's own full-text search of phrase.graphql written by hand (the floor): the same GIN-indexed
-- tsvector newsroom keeps, the tsquery newsroom's analyser makes of the search, ranked by ts_rank.
select json_build_object(
  'totalCount', (select count(*) from release r join release_search s on s.release_id = r.id
                 where r.published_at is not null and (r.status = 'published' or (r.status = 'scheduled' and r.published_at <= now())) and s.vector @@ $q$(('human' <-> 'traffick') | ('human' <-> 'trafficking'))$q$::tsquery),
  'edges', (select coalesce(json_agg(json_build_object('node', json_build_object('slug', x.slug, 'title', x.title, 'publishedAt', x.published_at))
                    order by x.rank desc, x.id desc), '[]'::json)
            from (select r.id, r.slug, r.title, r.published_at, ts_rank(s.vector, $q$(('human' <-> 'traffick') | ('human' <-> 'trafficking'))$q$::tsquery) as rank
                  from release r join release_search s on s.release_id = r.id
                  where r.published_at is not null and (r.status = 'published' or (r.status = 'scheduled' and r.published_at <= now())) and s.vector @@ $q$(('human' <-> 'traffick') | ('human' <-> 'trafficking'))$q$::tsquery order by rank desc, r.id desc limit 20) x));
