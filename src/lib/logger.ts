import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one structured logger. Credentials are redacted wherever they could appear, as a second line of
 * defence: request logging never passes headers in the first place.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'token', '*.token', 'secret', '*.secret'],
        censor: '[redacted]',
      },
    },
    destination ?? process.stdout,
  );
}
