import { InvalidInputError } from './errors.js';

const MAX_NAME_LENGTH = 200;

/** Trims a display name and rejects empty or overlong ones. */
export function normalizeName(name: string, field = 'name'): string {
  const trimmed = name.trim();
  if (!trimmed) throw new InvalidInputError(`${field} must not be empty`, field);
  if (trimmed.length > MAX_NAME_LENGTH)
    throw new InvalidInputError(`${field} must be at most ${MAX_NAME_LENGTH} characters`, field);
  return trimmed;
}
