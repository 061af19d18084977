import 'reflect-metadata';

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from '@jest/globals';
import { printSchema } from 'graphql';

import { buildAppSchema } from '../../src/graphql/schema.js';

describe('schema.graphql', () => {
  it('is what the code generates (run `npm run schema` after changing the API)', async () => {
    const generated = `${printSchema(await buildAppSchema())}\n`;
    expect(generated).toBe(await readFile('schema.graphql', 'utf8'));
  });
});
