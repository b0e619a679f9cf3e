import { PaperscopeError } from '../../core/errors.js';

/** A stored index that does not hold together: INDEX_MISMATCH naming the field, since the cure is to rebuild. */
export function invalid(field: string, message: string): PaperscopeError {
  return new PaperscopeError('INDEX_MISMATCH', `Stored lexical index is invalid at field "${field}": ${message}; rebuild the index`, {
    field,
  });
}
