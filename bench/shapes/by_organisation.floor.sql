-- The floor of by_organisation.graphql. {organisation} is filled in by bench/shapes.sh.
select json_build_object(
  'totalCount', (select count(*) from release r where r.published_at is not null and (r.status = 'published' or (r.status = 'scheduled' and r.published_at <= now())) and exists (select 1 from release_organisation ro join organisation o on o.id = ro.organisation_id where ro.release_id = r.id and o.slug = '{organisation}')),
  'edges', (select coalesce(json_agg(json_build_object('node', json_build_object('slug', x.slug, 'title', x.title, 'publishedAt', x.published_at))
                    order by x.published_at desc, x.id desc), '[]'::json)
            from (select r.id, r.slug, r.title, r.published_at from release r where r.published_at is not null and (r.status = 'published' or (r.status = 'scheduled' and r.published_at <= now())) and exists (select 1 from release_organisation ro join organisation o on o.id = ro.organisation_id where ro.release_id = r.id and o.slug = '{organisation}') order by r.published_at desc, r.id desc limit 20) x));
