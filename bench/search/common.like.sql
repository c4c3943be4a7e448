-- The LIKE baseline of common.graphql: every text column searched with ILIKE '%…%' (as Directus does), newest first.
select json_build_object(
  'totalCount', (select count(*) from release r where r.published_at is not null and (r.status = 'published' or (r.status = 'scheduled' and r.published_at <= now())) and (r.title ilike '%sentenced%' or r.summary ilike '%sentenced%' or r.body ilike '%sentenced%') and (r.title ilike '%prison%' or r.summary ilike '%prison%' or r.body ilike '%prison%')),
  'edges', (select coalesce(json_agg(json_build_object('node', json_build_object('slug', x.slug, 'title', x.title, 'publishedAt', x.published_at))
                    order by x.published_at desc, x.id desc), '[]'::json)
            from (select r.id, r.slug, r.title, r.published_at from release r where r.published_at is not null and (r.status = 'published' or (r.status = 'scheduled' and r.published_at <= now())) and (r.title ilike '%sentenced%' or r.summary ilike '%sentenced%' or r.body ilike '%sentenced%') and (r.title ilike '%prison%' or r.summary ilike '%prison%' or r.body ilike '%prison%')
                  order by r.published_at desc, r.id desc limit 20) x));
