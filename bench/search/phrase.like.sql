-- The LIKE baseline of phrase.graphql: every text column searched with ILIKE '%…%' (as Directus does), newest first.
select json_build_object(
  'totalCount', (select count(*) from release r where r.published_at is not null and (r.status = 'published' or (r.status = 'scheduled' and r.published_at <= now())) and (r.title ilike '%human trafficking%' or r.summary ilike '%human trafficking%' or r.body ilike '%human trafficking%')),
  'edges', (select coalesce(json_agg(json_build_object('node', json_build_object('slug', x.slug, 'title', x.title, 'publishedAt', x.published_at))
                    order by x.published_at desc, x.id desc), '[]'::json)
            from (select r.id, r.slug, r.title, r.published_at from release r where r.published_at is not null and (r.status = 'published' or (r.status = 'scheduled' and r.published_at <= now())) and (r.title ilike '%human trafficking%' or r.summary ilike '%human trafficking%' or r.body ilike '%human trafficking%')
                  order by r.published_at desc, r.id desc limit 20) x));
