import type { Answer, DeniedReason, errorAnswerSchema } from '@auditlens/contract/rest';
import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';
import { StoreRejectedError, StoreUnavailableError } from '../store/store.js';
import type { Logger } from '../logger.js';

/** An API error with the HTTP status to answer and a message for the caller (and why, for a refusal). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly deniedReason?: DeniedReason,
  ) {
    super(message);
  }
}

/**
 * Turns thrown errors into JSON answers: 4xx name what was wrong (a refusal also its `reason`, so
 * that a client can say what to do); 5xx never leak internals.
 */
export function apiErrorHandler(logger: Logger) {
  return (error: unknown, _request: Request, response: Response, _next: NextFunction): void => {
    if (error instanceof ApiError) {
      if (error.deniedReason) response.locals.deniedReason = error.deniedReason;
      const reason = error.deniedReason ? { reason: error.deniedReason } : {};
      response
        .status(error.status)
        .json({ error: error.message, ...reason } satisfies Answer<typeof errorAnswerSchema>);
    } else if (error instanceof ZodError) {
      const problems = error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
      response.status(400).json({ error: problems.join('; ') });
    } else if (error instanceof StoreUnavailableError) {
      response.status(503).set('Retry-After', '5').json({ error: 'audit store unavailable, retry later' });
    } else if (error instanceof SyntaxError && 'body' in error) {
      response.status(400).json({ error: 'request body is not valid JSON' });
    } else {
      const message = error instanceof Error ? error.message : String(error);
      logger.error(
        { err: message, storeRejected: error instanceof StoreRejectedError },
        'API request failed',
      );
      response.status(500).json({ error: 'internal error' });
    }
  };
}
