import { z } from 'zod';
import { ValidationError } from './errors.js';

export interface IssueDetail {
  field: string;
  code: string;
  message: string;
}

function issueField(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  // An unknown key is reported on its parent object; the field the client must fix is the key itself.
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  return path.join('.');
}

/** The schema's output for `input`, or a 400 naming the first offending field (all issues in details). */
export function parse<S extends z.ZodType>(schema: S, input: unknown, fieldPrefix?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: IssueDetail[] = result.error.issues.map((i) => {
    const f = issueField(i);
    return { field: fieldPrefix ? (f ? `${fieldPrefix}.${f}` : fieldPrefix) : f, code: i.code, message: i.message };
  });
  const first = result.error.issues[0];
  const field = issues[0]?.field || undefined;
  const key = first?.code === 'unrecognized_keys' ? 'errors.unknownField' : 'errors.validation';
  throw new ValidationError(field ?? (fieldPrefix || 'body'), key, { details: { issues } });
}

export const idParam = z.uuid();

/** A path id: a malformed one is a 400 naming `field`, never a database error. */
export function parseId(value: unknown, field = 'id'): string {
  return parse(idParam, value, field);
}

/**
 * A PATCH body: its version and the changes, of which at least one must be given (400 errors.emptyPatch). Fields
 * left out are undefined in `changes`; null stays (it clears a field).
 */
export function parsePatch<T extends { version: number }>(
  schema: z.ZodType<T>,
  body: unknown,
): { version: number; changes: Omit<T, 'version'> } {
  const { version, ...changes } = parse(schema, body);
  if (Object.values(changes).every((x) => x === undefined)) throw new ValidationError('body', 'errors.emptyPatch');
  return { version, changes };
}
