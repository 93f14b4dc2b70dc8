-- Up Migration
-- The order list's free text (q, server/orders/order-search.ts) matches an order-number prefix, the customer's
-- name anywhere, and the digits of either phone anywhere, case-insensitively: `ILIKE '%…%'`, which no btree
-- serves, so a search read the caller's whole scope (a branch, or every order for HQ) and filtered it: 0.5–1.6 s
-- at 1M orders (docs/performance.md, "Round 4"). A trigram GIN index serves all of those patterns once the term
-- holds a trigram.
--
-- One index of four columns, not four indexes: every index on orders is one more per monthly partition to plan
-- and lock for a statement over every month, and a GIN index of several columns answers a condition on any one
-- of them (the search's OR is a BitmapOr of scans of this one index). The phones are indexed as their digits,
-- the form the search compares, written as the query writes them so that the planner matches the expressions.
--
-- pg_trgm is a trusted extension (PostgreSQL 13+): a database owner that is not a superuser may create it. It
-- ships with Debian's PostgreSQL 15 and the embedded binaries. Its trigrams of Hangul need a UTF-8 database whose
-- LC_CTYPE is not C (C.UTF-8 is fine): under SQL_ASCII or ctype C Hangul letters are not word characters, the
-- index holds no trigram of a Korean name and the search finds the same rows the slow way.
--
-- fastupdate stays on (the default): an insert or a non-HOT update (a status change is one) appends its ≈ 40
-- trigrams to the partition's pending list instead of ≈ 40 tree insertions; autovacuum (or the list reaching
-- gin_pending_list_limit) merges it. Measured in docs/performance.md.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX idx_orders_text_search ON orders USING gin (
  order_no gin_trgm_ops,
  customer_name gin_trgm_ops,
  (regexp_replace(customer_phone, '[^0-9]', '', 'g')) gin_trgm_ops,
  (regexp_replace(customer_phone2, '[^0-9]', '', 'g')) gin_trgm_ops
) WHERE deleted_at IS NULL;

-- Row-level security keeps the index out of reach of the list's own statement: a condition of the caller's query
-- becomes an index condition under a policy only if its operator is leakproof, and LIKE / ILIKE are not (the
-- planner must not evaluate them on rows the policy hides). So the index is read here, as the function's owner,
-- with the policy's own expression (order_visible over the caller's request context, as orders_scope has it)
-- as an ordinary condition: the keys of the orders the caller may see that match the text, at most p_cap + 1 of
-- them (more than p_cap: the term is frequent, and the list reads newest first instead, which finds a page of a
-- frequent term quickly). The list then reads those orders by key under RLS with the full condition again, so
-- what it answers is decided as before. Owned by the migration role: a superuser (Debian's, the embedded
-- cluster's) reads past FORCE ROW LEVEL SECURITY; an owner that is not one reads under the policy, and the
-- function is then correct but unindexed, like the list before this migration.
-- p_pattern is the term already escaped for LIKE (likeEscape); p_digits the term's digits, NULL under three.
CREATE FUNCTION order_text_matches_sql(p_pattern text, p_digits text, p_cap integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format(
    $q$SELECT o.id, o.created_at FROM orders o
        WHERE o.deleted_at IS NULL
          AND order_visible(o.branch_id, o.partner_id, o.installer_id, (SELECT app_role()), (SELECT app_branch_id()),
                            (SELECT app_partner_id()), (SELECT app_installer_id()))
          AND (o.order_no ILIKE %1$L || '%%' OR o.customer_name ILIKE '%%' || %1$L || '%%'%2$s)
        LIMIT %3$s$q$,
    p_pattern,
    CASE WHEN p_digits IS NULL THEN '' ELSE format(
      $d$ OR regexp_replace(o.customer_phone, '[^0-9]', '', 'g') LIKE '%%' || %1$L || '%%'
          OR regexp_replace(o.customer_phone2, '[^0-9]', '', 'g') LIKE '%%' || %1$L || '%%'$d$, p_digits) END,
    p_cap + 1)
$$;

CREATE FUNCTION order_text_matches(p_pattern text, p_digits text, p_cap integer)
RETURNS TABLE (id uuid, created_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
BEGIN
  -- dynamic SQL: planned for these values (the pool forces generic plans, which cannot judge a pattern); the
  -- statement is order_text_matches_sql's, which test/api/list-plans.test.ts explains. No sequential scan: under
  -- LIMIT the planner may expect to stop early in a month read whole, which for a rare term never comes; a
  -- frequent one fills the limit from the first month's bitmap just as well.
  RETURN QUERY EXECUTE order_text_matches_sql(p_pattern, p_digits, p_cap);
END $$;
REVOKE ALL ON FUNCTION order_text_matches(text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION order_text_matches(text, text, integer) TO dispatch_app;

-- Down Migration
DROP FUNCTION IF EXISTS order_text_matches(text, text, integer);
DROP FUNCTION IF EXISTS order_text_matches_sql(text, text, integer);
DROP INDEX IF EXISTS idx_orders_text_search;
-- pg_trgm is left installed: another object may use it by then, and an unused extension costs nothing
