-- Computed columns the peer needs for the shapes stock PostGraphile 5 cannot express over junction
-- tables (it cannot order junction rows by a column of the far table): STABLE SQL functions on
-- the row type, which it exposes as connections (`first:` becomes a LIMIT outside the inlined
-- function). Newsroom is measured on the same database, these included (it does not use them).
create or replace function commission_latest_published_releases(c commission)
returns setof release language sql stable as $$
  select r.* from release r
  where r.status = 'published' and r.published_at is not null
    and exists (select 1 from release_commission rc where rc.release_id = r.id and rc.commission_id = c.id)
  order by r.published_at desc, r.id desc
$$;
create or replace function organisation_latest_published_releases(o organisation)
returns setof release language sql stable as $$
  select r.* from release r
  where r.status = 'published' and r.published_at is not null
    and exists (select 1 from release_organisation ro where ro.release_id = r.id and ro.organisation_id = o.id)
  order by r.published_at desc, r.id desc
$$;
create or replace function release_translations(r release)
returns setof release language sql stable as $$
  select t.* from release t
  where t.translation_group = r.translation_group and t.id <> r.id
    and t.status = 'published' and t.published_at is not null
$$;
