-- Up Migration
-- The server's requests are short and interactive, and their plans are generic (server/db/pool.ts forces
-- plan_cache_mode = force_generic_plan): the planner estimates them without the parameter values, so a list of
-- one branch can be costed like a scan of every partition. Past jit_above_cost PostgreSQL then compiles the
-- query with LLVM first: measured on 1M orders (npm run bench:api, docs/performance.md) that alone cost
-- 300–1500 ms per FR-03 request. JIT pays off for long analytical queries, which the application role does not
-- run; reports run as other roles keep it. A role setting applies to every new session of dispatch_app
-- (the role is cluster-wide, like its creation in 0001).
ALTER ROLE dispatch_app SET jit = off;

-- Down Migration
ALTER ROLE dispatch_app RESET jit;
