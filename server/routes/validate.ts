import type { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';

/** Parses request input with a schema; the 400 names the parameter and what is wrong with it. */
export function validate<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const parameter = issue?.path.join('.') || unknownKey(issue);
  throw new PaperscopeError('INVALID_PARAMETER', `Invalid parameter "${parameter}": ${issue?.message ?? 'invalid value'}`, { parameter });
}

function unknownKey(issue: z.core.$ZodIssue | undefined): string {
  return issue && 'keys' in issue && Array.isArray(issue.keys) ? String(issue.keys[0]) : 'body';
}
