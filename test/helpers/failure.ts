import { PaperscopeError } from '../../core/errors.js';

/** The PaperscopeError `run` throws; fails the test when it throws nothing or something else. */
export function failureOf(run: () => unknown): PaperscopeError {
  try {
    run();
  } catch (error) {
    if (error instanceof PaperscopeError) return error;
    throw error;
  }
  throw new Error('expected a PaperscopeError');
}
