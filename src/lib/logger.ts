import { DriverException } from '@mikro-orm/core';
import { pino, stdSerializers, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

/**
 * What a database error may show in a log: PostgreSQL's error fields that name the problem and where it
 * happened, and the socket details of a connection failure. Never the statement, its parameters, `detail`
 * (`Key (user_name)=(…) already exists`) or the message, which the query builder prefixes with the
 * statement and its values inlined.
 */
const DATABASE_ERROR_FIELDS = [
  'code',
  'severity',
  'constraint',
  'table',
  'column',
  'schema',
  'dataType',
  'routine',
  'errno',
  'syscall',
  'address',
  'port',
];

/** A MikroORM driver exception, or a node-postgres error (which carries PostgreSQL's `routine`). */
function isDatabaseError(error: Error): boolean {
  return error instanceof DriverException || 'sql' in error || ('severity' in error && 'routine' in error);
}

function hasDatabaseError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 10) return false;
  return isDatabaseError(error) || hasDatabaseError(error.cause, depth + 1);
}

/** Only the allow-listed fields, a generic message and the stack frames (its first line is the message). */
function databaseError(error: Error): Record<string, unknown> {
  const fields = error as unknown as Record<string, unknown>;
  const kept = Object.fromEntries(
    DATABASE_ERROR_FIELDS.filter((key) => fields[key] !== undefined).map((key) => [key, fields[key]]),
  );
  const code = typeof fields['code'] === 'string' ? ` ${fields['code']}` : '';
  const frames = (error.stack ?? '').split('\n').filter((line) => line.trim().startsWith('at '));
  return { type: error.name, message: `database error${code}`, ...kept, stack: frames.join('\n') };
}

/** pino's error serializer, except that database errors (also as a cause) are reduced to {@link databaseError}. */
function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return stdSerializers.err(error as Error);
  if (isDatabaseError(error)) return databaseError(error);
  const serialized = stdSerializers.err(error);
  if (!hasDatabaseError(error.cause)) return serialized;
  // pino appends every cause's message and stack to the outer ones: keep the outer error's own.
  return { ...serialized, message: error.message, stack: error.stack, cause: serializeError(error.cause) };
}

export type LogFormat = 'json' | 'pretty';

/**
 * JSON lines unless asked otherwise (`LOG_FORMAT`), except for a developer at a terminal: development mode
 * with stdout a TTY gets human-readable lines.
 */
export function resolveLogFormat(configured: LogFormat | undefined, nodeEnv: string, stdoutIsTty: boolean): LogFormat {
  return configured ?? (nodeEnv === 'development' && stdoutIsTty ? 'pretty' : 'json');
}

/**
 * The one structured logger. Credentials are redacted wherever they could appear, as a second line of
 * defence: request logging never passes headers in the first place. Errors go through {@link serializeError}.
 * `pretty` formats the same records for people (pino-pretty, synchronously, colours only on a TTY).
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream, format: LogFormat = 'json'): Logger {
  const out = destination ?? process.stdout;
  const stream =
    format === 'pretty'
      ? pinoPretty({
          sync: true,
          colorize: 'isTTY' in out && out.isTTY === true,
          translateTime: 'SYS:HH:MM:ss.l',
          destination: out,
        })
      : out;
  return pino(
    {
      level,
      serializers: { err: serializeError },
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers.authorization',
          '*.headers.authorization',
          'token',
          '*.token',
          'secret',
          '*.secret',
        ],
        censor: '[redacted]',
      },
    },
    stream,
  );
}
