import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { buildSchema } from 'graphql';

import { idOf, TARGET_RULES } from '../../../src/graphql/audit/audit-targets.js';

const mutations = Object.keys(buildSchema(readFileSync('schema.graphql', 'utf8')).getMutationType()?.getFields() ?? {});

describe('audit target rules', () => {
  it('name a target for every mutation of schema.graphql (add a rule to audit-targets.ts for a new one)', () => {
    expect(mutations.filter((name) => !(name in TARGET_RULES))).toEqual([]);
  });

  it('name no mutation that does not exist', () => {
    expect(Object.keys(TARGET_RULES).filter((name) => !mutations.includes(name))).toEqual([]);
  });

  it('read an id from the arguments or from the returned node, nothing else', () => {
    expect(TARGET_RULES['revokeApiKey']?.fromArgs?.({ id: 'a' })).toBe('a');
    expect(TARGET_RULES['replayEvents']?.fromArgs?.({ webhookId: 'w', since: 'x' })).toBe('w');
    expect(TARGET_RULES['createApiKey']?.fromResult?.({ apiKey: { id: 'k' }, secret: 's' })).toBe('k');
    expect(TARGET_RULES['createOrganization']?.fromResult?.({ id: 'o', name: 'n' })).toBe('o');
    expect(TARGET_RULES['createDirectory']?.fromResult?.(null)).toBeNull();
    expect(idOf(42)).toBeNull();
  });
});
