import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file gets its own database cloned from a migrated template, so files run in parallel.
    fileParallelism: true,
    // Files wait on PostgreSQL, child processes and the browser more than they compute: more files in flight
    // than cores keeps both cores busy (measured in the commit that set it).
    maxWorkers: Number(process.env.TEST_WORKERS ?? 3),
    // Cheap Argon2 for the hundreds of users the suite creates and signs in (domain/argon2-cost.ts); production
    // and the demo data keep OWASP's cost.
    env: { ARGON2_TEST_PROFILE: 'fast' },
    // expect.poll waits for what the UI or the head office reaches on its own (a filter applied to 1,300 rows, a
    // pull); vitest's default of 1 s failed such polls on a loaded 2-core machine although they got there.
    expect: { poll: { timeout: 10_000 } },
  },
});
