/** Positional parameters of a query built piece by piece: `p(value)` adds one and answers its placeholder. */
export function queryParams(): { values: unknown[]; p: (value: unknown) => string } {
  const values: unknown[] = [];
  return { values, p: (value) => `$${values.push(value)}` };
}
