import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { printSchema } from 'graphql';
import { createAppPubSub } from './pubsub.js';
import { buildAppSchema } from './schema.js';

/** `npm run schema`: writes schema.graphql from the code (the committed contract). */
const schema = await buildAppSchema(createAppPubSub());
await writeFile('schema.graphql', `${printSchema(schema)}\n`);
process.stdout.write('wrote schema.graphql\n');
