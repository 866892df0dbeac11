import type { Problem } from '../contracts/validation.js';

export type ErrorCode = 'invalid' | 'not_found' | 'conflict' | 'unauthorized' | 'forbidden';

/** A domain error with a code; the global filter maps codes to HTTP statuses. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly problems?: (Problem & { index?: number })[],
  ) {
    super(message);
  }
}

export const invalid = (message: string, problems?: (Problem & { index?: number })[]) => new DomainError('invalid', message, problems);
export const notFound = (message: string) => new DomainError('not_found', message);
export const conflict = (message: string) => new DomainError('conflict', message);
