import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import {
  jsonTextIsClean,
  looksLikeSecret,
  REDACTED,
  redactedJsonText,
  redactJson,
  redactQuery,
  redactText,
} from '../../../src/lib/redact.js';

describe('looksLikeSecret', () => {
  it.each([
    ['a SCIM token', 'dst_Q2hhbmdlTWUtVGhpcy1Jcy1Ob3QtQS1SZWFsLVRva2Vu0'],
    ['an API key', 'dsk_sandbox_Q2hhbmdlTWUtVGhpcy1Jcy1Ob3Q'],
    ['a bearer credential', 'Bearer abc.def'],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln'],
    ['an unsigned JWT', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.'],
    ['32 random base64url characters', 'Xk9fQ2mLp7RtZ8vW3yB6nC1dE4gH5jK0'],
  ])('%s is one', (_name, text) => {
    expect(looksLikeSecret(text)).toBe(true);
  });

  it.each([
    ['a userName', 'ada.lovelace'],
    ['an email', 'Ada.Lovelace2@Example.com'],
    ['a UUID', '6f9619ff-8b86-d011-b42d-00c04fc964ff'],
    ['an upper-case GUID', '6F9619FF-8B86-D011-B42D-00C04FC964FF'],
    ['an Okta id', '00u1abcdEFGH2345ijkl'],
    ['a SHA-256 hex digest', 'a3f1c9e0b4d2f6a8c0e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5'],
    ['a URL', 'https://dsync.test/scim/v2/Users/6f9619ff-8b86-d011-b42d-00c04fc964ff'],
    ['a sentence', 'Member of the Engineering group since 2021'],
    ['a long lower-case word', 'pneumonoultramicroscopicsilicovolcanoconiosis'],
  ])('%s is not', (_name, text) => {
    expect(looksLikeSecret(text)).toBe(false);
  });
});

describe('redactJson', () => {
  it('replaces password attributes at any depth and in any case, and keeps the rest', () => {
    expect(
      redactJson({
        userName: 'ada',
        password: 'p1',
        PASSWORD: 'p2',
        'urn:ietf:params:scim:schemas:core:2.0:User:password': 'p3',
        nested: [{ deeper: { Password: 'p4', title: 'Engineer' } }],
      }),
    ).toEqual({
      userName: 'ada',
      password: REDACTED,
      PASSWORD: REDACTED,
      'urn:ietf:params:scim:schemas:core:2.0:User:password': REDACTED,
      nested: [{ deeper: { Password: REDACTED, title: 'Engineer' } }],
    });
  });

  it('replaces other secret-named attributes: passphrases, PINs, keys, credentials, one-time codes', () => {
    const secretNamed = {
      pwd: 'a',
      passphrase: 'b',
      pin: 'c',
      apiKey: 'd',
      'urn:example:ext:1.0:User:privateKey': 'e',
      credentials: { value: 'f' },
      otpSeed: 'g',
    };
    const kept = { userName: 'ada', displayName: 'Ada', title: 'Engineer', shipping: 'x', keyboardLayout: 'de' };
    expect(redactJson({ ...secretNamed, ...kept })).toEqual({
      ...Object.fromEntries(Object.keys(secretNamed).map((key) => [key, REDACTED])),
      ...kept,
    });
  });

  it('replaces the value of a PATCH operation on a password path', () => {
    expect(
      redactJson({
        Operations: [
          { op: 'replace', path: 'password', value: 'p1' },
          { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:password', value: 'p2' },
          { op: 'replace', value: { password: 'p3', active: true } },
          { op: 'replace', path: 'displayName', value: 'Ada' },
        ],
      }),
    ).toEqual({
      Operations: [
        { op: 'replace', path: 'password', value: REDACTED },
        { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:password', value: REDACTED },
        { op: 'replace', value: { password: REDACTED, active: true } },
        { op: 'replace', path: 'displayName', value: 'Ada' },
      ],
    });
  });
});

describe('redactedJsonText', () => {
  const secrets = [
    'dst_Q2hhbmdlTWUtVGhpcy1Jcy1Ob3QtQS1SZWFsLVRva2Vu0',
    'Bearer abc.def',
    '  bearer abc.def',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln',
    'Xk9fQ2mLp7RtZ8vW3yB6nC1dE4gH5jK0',
    'the key is "dsk_sandbox_Q2hhbmdlTWUtVGhpcy1Jcy1Ob3Q" (rotate it)',
    'userName eq "Xk9fQ2mLp7RtZ8vW3yB6nC1dE4gH5jK0"',
  ];
  const bodies: [string, unknown][] = [
    ['a clean user', { userName: 'ada@example.com', name: { givenName: 'Ada' }, emails: [{ value: 'a@b.c' }], n: 1 }],
    ['a password', { userName: 'ada', password: 'hunter2' }],
    ['a PATCH on a password path', { Operations: [{ op: 'replace', path: 'password', value: 'p' }] }],
    ['a Date', { when: new Date(0), userName: 'ada' }],
    ['a body past the budget', { items: Array.from({ length: 500 }, (_, i) => `item number ${i}`) }],
    ...secrets.map((secret): [string, unknown] => [
      `a credential in ${JSON.stringify(secret)}`,
      { x: [{ y: secret }] },
    ]),
  ];

  it.each(bodies)('serializes %s exactly as redactJson does', (_name, body) => {
    expect(redactedJsonText(body, 2_000)).toBe(JSON.stringify(redactJson(body, 2_000)));
  });

  it.each(secrets)('never keeps %s', (secret) => {
    expect(redactedJsonText({ attribute: secret })).toBe(JSON.stringify({ attribute: REDACTED }));
  });
});

describe('jsonTextIsClean', () => {
  const secretsAndNames = [
    'dst_Q2hhbmdlTWUtVGhpcy1Jcy1Ob3QtQS1SZWFsLVRva2Vu0',
    'Bearer abc.def',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln',
    'Xk9fQ2mLp7RtZ8vW3yB6nC1dE4gH5jK0',
    'password',
    'apiKey',
    'urn:x:User:PIN',
    'clientSecret',
  ];
  /** Strings built from pieces of secrets, names and JSON's special characters: where the two rules meet. */
  const tricky = fc
    .array(
      fc.oneof(
        fc.constantFrom(...secretsAndNames, 'pin', 'key', '"', '\\', '\n', ' ', '(', "'", ':', '[', ']', '.'),
        fc.constantFrom('\u0000', '\ud800', 'é', 'W/"3"', '[type eq "work"]', 'pa', 'ss', 'ke', 'y', '[]'),
        fc.string({ maxLength: 6 }),
      ),
      { maxLength: 5 },
    )
    .map((parts) => parts.join(''));
  const json = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      tricky,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(tricky, tie('value'), { maxKeys: 4 }),
      fc.record({ op: fc.constant('replace'), path: tricky, value: tricky }),
    ),
  })).value;

  it('is never true of JSON that redaction would change (a superset test)', () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = JSON.stringify(value);
        if (jsonTextIsClean(text)) expect(redactedJsonText(value)).toBe(text);
      }),
      { numRuns: 5_000 },
    );
  });

  it('passes a typical SCIM response and stops each kind of secret', () => {
    const user = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: '01a2a0b4-5c1e-7f00-8000-000000000000',
      userName: 'ada@example.com',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      meta: { resourceType: 'User', version: 'W/"3"', location: 'https://dsync.example.com/scim/v2/x/Users/y' },
    };
    expect(jsonTextIsClean(JSON.stringify({ Resources: [user], totalResults: 1 }))).toBe(true);
    for (const secret of secretsAndNames) {
      expect(jsonTextIsClean(JSON.stringify({ ...user, [secret]: 'x' }))).toBe(false);
      if (!/^[a-z:]+$/i.test(secret)) expect(jsonTextIsClean(JSON.stringify({ ...user, title: secret }))).toBe(false);
    }
    expect(jsonTextIsClean(JSON.stringify({ ...user, title: 'line\nXk9fQ2mLp7RtZ8vW3yB6nC1dE4gH5jK0' }))).toBe(false);
    // PATCH paths are judged without their filters, as the redaction judges them.
    for (const path of ['pin[type eq "atm"]', 'pa[]ss', 'emails[type eq "work"].ke[x]y']) {
      const patch = { op: 'replace', path, value: '1234' };
      expect(redactedJsonText(patch)).not.toContain('1234');
      expect(jsonTextIsClean(JSON.stringify(patch))).toBe(false);
    }
    // Nested past the redaction's depth limit: never clean.
    let deep: unknown = 'leaf';
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(redactedJsonText(deep)).not.toContain('leaf');
    expect(jsonTextIsClean(JSON.stringify(deep))).toBe(false);
  });
});

describe('redactText', () => {
  it('replaces each credential-like word of a detail and keeps the rest', () => {
    expect(redactText('invalid filter: userName eq "Xk9fQ2mLp7RtZ8vW3yB6nC1dE4gH5jK0" and')).toBe(
      `invalid filter: userName eq "${REDACTED}" and`,
    );
    expect(redactText('Bearer abc.def')).toBe(REDACTED);
    expect(redactText('no user with userName "ada@example.com"')).toBe('no user with userName "ada@example.com"');
  });
});

describe('redactQuery', () => {
  it('replaces a credential-like value inside a filter and keeps ordinary filters', () => {
    const token = 'dst_Q2hhbmdlTWUtVGhpcy1Jcy1Ob3QtQS1SZWFsLVRva2Vu0';
    expect(redactQuery(`filter=${encodeURIComponent(`userName eq "${token}"`)}&count=5`)).toBe(
      'filter=%5Bredacted%5D&count=5',
    );
    const ordinary = `filter=${encodeURIComponent('userName eq "ada@example.com"')}&startIndex=1`;
    expect(redactQuery(ordinary)).toBe(ordinary);
  });
});
