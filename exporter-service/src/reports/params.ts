import { ApiError } from '../api/errors.js';

/** A 400 naming the field, from an error that carries one (PolicyError, PeriodError). */
export function fieldError(error: unknown): never {
  if (error instanceof Error && 'field' in error) {
    const status = 'status' in error && typeof error.status === 'number' ? error.status : 400;
    throw new ApiError(status, error.message);
  }
  throw error;
}
