-- The floor of by_topic.graphql: one statement, the same JSON. {topic} is filled in by bench/shapes.sh.
select json_build_object(
  'totalCount', (select count(*) from release r where r.published_at is not null and (r.status = 'published' or (r.status = 'scheduled' and r.published_at <= now())) and exists (select 1 from release_topic rt join topic t on t.id = rt.topic_id where rt.release_id = r.id and t.slug = '{topic}')),
  'edges', (select coalesce(json_agg(json_build_object('node', json_build_object('slug', x.slug, 'title', x.title, 'publishedAt', x.published_at))
                    order by x.published_at desc, x.id desc), '[]'::json)
            from (select r.id, r.slug, r.title, r.published_at from release r where r.published_at is not null and (r.status = 'published' or (r.status = 'scheduled' and r.published_at <= now())) and exists (select 1 from release_topic rt join topic t on t.id = rt.topic_id where rt.release_id = r.id and t.slug = '{topic}') order by r.published_at desc, r.id desc limit 20) x));
