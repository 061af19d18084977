import { describe, expect, it } from '@jest/globals';

import { InvalidInputError } from '../../../src/lib/errors.js';
import { normalizeGroup, normalizeUser, parseBoolean } from '../../../src/provisioning/normalize.js';
import { UserState } from '../../../src/provisioning/user.entity.js';

// The columns derived from a SCIM resource on every write (the ones filters and the GraphQL API read).

describe('normalizeUser', () => {
  it('derives every column from a full resource', () => {
    expect(
      normalizeUser({
        userName: '  Ada@Example.com ',
        externalId: 'ext-1',
        name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada King' },
        displayName: 'Countess',
        emails: [
          { value: 'ada@home.example', type: 'home' },
          { value: 'Ada@Work.example', type: 'work', primary: true },
        ],
        active: true,
      }),
    ).toEqual({
      userName: 'Ada@Example.com',
      userNameLower: 'ada@example.com',
      externalId: 'ext-1',
      email: 'ada@work.example',
      emails: ['ada@home.example', 'ada@work.example'],
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Countess',
      state: UserState.ACTIVE,
    });
  });

  it('fills what a minimal resource leaves out: active by default, no names, no email', () => {
    expect(normalizeUser({ userName: 'ada' })).toEqual({
      userName: 'ada',
      userNameLower: 'ada',
      externalId: null,
      email: null,
      emails: [],
      firstName: null,
      lastName: null,
      displayName: null,
      state: UserState.ACTIVE,
    });
  });

  it.each([
    [
      'the primary one',
      [
        { value: 'a@x', type: 'work' },
        { value: 'b@x', primary: 'True' },
      ],
      'b@x',
    ],
    [
      'else the work one',
      [
        { value: 'a@x', type: 'home' },
        { value: 'b@x', type: 'Work' },
      ],
      'b@x',
    ],
    [
      'else the first',
      [
        { value: 'a@x', type: 'home' },
        { value: 'b@x', type: 'other' },
      ],
      'a@x',
    ],
  ])('picks the email: %s', (_name, emails, email) => {
    expect(normalizeUser({ userName: 'ada', emails }).email).toBe(email);
  });

  it('keeps each address once, lower-cased, for the emails column', () => {
    expect(
      normalizeUser({ userName: 'ada', emails: [{ value: 'A@x' }, { value: 'a@X' }, { value: 'b@x' }] }).emails,
    ).toEqual(['a@x', 'b@x']);
  });

  it.each([
    ['displayName first', { displayName: 'D', name: { formatted: 'F', givenName: 'G', familyName: 'L' } }, 'D'],
    ['then name.formatted', { name: { formatted: 'F', givenName: 'G', familyName: 'L' } }, 'F'],
    ['then given and family name', { name: { givenName: 'G', familyName: 'L' } }, 'G L'],
    ['or just one of them', { name: { familyName: 'L' } }, 'L'],
    ['blank strings count as missing', { displayName: '  ', name: { formatted: '', givenName: 'G' } }, 'G'],
  ])('composes the display name: %s', (_name, resource, displayName) => {
    expect(normalizeUser({ userName: 'ada', ...resource }).displayName).toBe(displayName);
  });

  it.each([
    [false, UserState.INACTIVE],
    ['False', UserState.INACTIVE],
    [' FALSE ', UserState.INACTIVE],
    ['true', UserState.ACTIVE],
    [null, UserState.ACTIVE],
  ])('active %j → %s', (active, state) => {
    expect(normalizeUser({ userName: 'ada', active }).state).toBe(state);
  });

  it.each([
    ['a missing userName', {}, 'userName', /userName is required/],
    ['a blank userName', { userName: '   ' }, 'userName', /userName is required/],
    ['a userName that is not a string', { userName: 42 }, 'userName', /userName must be a string/],
    ['a userName over 512 characters', { userName: 'a'.repeat(513) }, 'userName', /at most 512 characters/],
    ['name that is not an object', { userName: 'a', name: 'Ada' }, 'name', /name must be an object/],
    [
      'a givenName that is not a string',
      { userName: 'a', name: { givenName: 1 } },
      'name.givenName',
      /must be a string/,
    ],
    ['emails that are not an array', { userName: 'a', emails: 'a@x' }, 'emails', /emails must be an array/],
    ['an email that is not an object', { userName: 'a', emails: ['a@x'] }, 'emails', /emails\[0\] must be an object/],
    [
      'an email without a value',
      { userName: 'a', emails: [{ type: 'work' }] },
      'emails',
      /emails\[0\]\.value is required/,
    ],
    [
      'a primary that is not a boolean',
      { userName: 'a', emails: [{ value: 'a@x', primary: 'yes' }] },
      'emails[0].primary',
      /must be a boolean/,
    ],
    ['an active that is not a boolean', { userName: 'a', active: 'yes' }, 'active', /active must be a boolean/],
  ])('refuses %s, naming the field', (_name, resource, field, message) => {
    let thrown: unknown;
    try {
      normalizeUser(resource);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect(thrown).toMatchObject({ field, message: expect.stringMatching(message) });
  });
});

describe('normalizeGroup', () => {
  it('trims the display name and keeps a lower-case copy', () => {
    expect(normalizeGroup({ displayName: ' Engineering ', externalId: 'g-1' })).toEqual({
      displayName: 'Engineering',
      displayNameLower: 'engineering',
      externalId: 'g-1',
    });
  });

  it('requires a display name', () => {
    expect(() => normalizeGroup({ displayName: '' })).toThrow(InvalidInputError);
  });
});

describe('parseBoolean', () => {
  it.each([
    [true, true],
    [false, false],
    ['True', true],
    ['FALSE', false],
    [' true ', true],
  ])('%j → %s', (value, expected) => {
    expect(parseBoolean(value, 'f')).toBe(expected);
  });

  it.each([['yes'], [1], [null], ['']])('refuses %j', (value) => {
    expect(() => parseBoolean(value, 'f')).toThrow(/f must be a boolean/);
  });
});
