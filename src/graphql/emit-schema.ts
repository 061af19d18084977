import 'reflect-metadata';

import { writeFile } from 'node:fs/promises';
import { printSchema } from 'graphql';

import { buildAppSchema } from './schema.js';

/** `npm run schema`: writes schema.graphql from the code (the committed contract). */
const schema = await buildAppSchema();
await writeFile('schema.graphql', `${printSchema(schema)}\n`);
process.stdout.write('wrote schema.graphql\n');
