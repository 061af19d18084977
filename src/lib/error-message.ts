/**
 * One line saying what went wrong, for any thrown value: an AggregateError (e.g. `connect ECONNREFUSED` to
 * both addresses of `localhost`) lists its causes, an Error without a message falls back to its code, name
 * or cause, and a non-Error (some libraries reject with `undefined`) says so instead of printing "undefined".
 */
export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    const causes = [...new Set(error.errors.map(errorMessage))].join('; ');
    return error.message ? `${error.message}: ${causes}` : causes;
  }
  if (error instanceof Error) {
    const message = error.message.replace(/\s+/g, ' ').trim();
    if (message) return message;
    const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    if (error.cause !== undefined) return `${code ?? error.name}: ${errorMessage(error.cause)}`;
    return code ?? error.name;
  }
  if (typeof error === 'string' && error.trim()) return error.replace(/\s+/g, ' ').trim();
  return `unknown error (${error === undefined ? 'rejected without a reason' : typeof error})`;
}
