import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Anything that could carry a secret is redacted by path as a second
 * line of defence; the code itself never logs tokens, passwords or request bodies.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'auditlens-exporter' },
    redact: {
      paths: ['password', 'token', 'authorization', '*.password', '*.token', '*.authorization', 'headers.*'],
      censor: '[redacted]',
    },
  });
}
