import type { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';

/** How an input is named to the person who gave it: API parameters by default. */
export type NameParameter = (parameter: string) => string;

const apiParameter: NameParameter = (parameter) => `parameter "${parameter}"`;

/**
 * Parses request input with a schema; the 400 names the parameter and what is wrong with it. The CLI
 * passes `name` so that the message names its flag (`--min-upvotes`) rather than the API's `min_upvotes`;
 * `details.parameter` stays the schema's key.
 */
export function validate<Schema extends z.ZodType>(schema: Schema, input: unknown, name: NameParameter = apiParameter): z.infer<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const parameter = issue?.path.join('.') || unknownKey(issue);
  throw new PaperscopeError('INVALID_PARAMETER', `Invalid ${name(parameter)}: ${issue?.message ?? 'invalid value'}`, { parameter });
}

function unknownKey(issue: z.core.$ZodIssue | undefined): string {
  return issue && 'keys' in issue && Array.isArray(issue.keys) ? String(issue.keys[0]) : 'body';
}
