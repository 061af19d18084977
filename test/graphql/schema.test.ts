import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from '@jest/globals';
import { printSchema } from 'graphql';
import { createAppPubSub } from '../../src/graphql/pubsub.js';
import { buildAppSchema } from '../../src/graphql/schema.js';

describe('schema.graphql', () => {
  it('is what the code generates (run `npm run schema` after changing the API)', async () => {
    const generated = `${printSchema(await buildAppSchema(createAppPubSub()))}\n`;
    expect(generated).toBe(await readFile('schema.graphql', 'utf8'));
  });
});
