import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  createTestDirectory,
  ENTERPRISE,
  filterPath,
  scimGroupBody,
  scimUserBody,
  USER_SCHEMA,
  type TestDirectory,
} from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// RFC 7644 §3.4.2.2 filter grammar, translated to SQL: one seeded directory, a table of filters and the users each must return.

let t: TestApp;
let dir: TestDirectory;
const ids: Record<string, string> = {};

const SEED: Record<string, Record<string, unknown>> = {
  alice: {
    schemas: [USER_SCHEMA, ENTERPRISE],
    userName: 'alice@acme.com',
    externalId: 'A-1',
    name: { givenName: 'Alice', familyName: 'Anderson' },
    displayName: 'Alice Anderson',
    emails: [
      { type: 'work', value: 'alice@acme.com', primary: true },
      { type: 'home', value: 'alice@gmail.com' },
    ],
    phoneNumbers: [{ type: 'work', value: '+1 555 0100' }],
    title: 'Engineer',
    userType: 'Employee',
    active: true,
    score: 3,
    [ENTERPRISE]: { department: 'R&D', employeeNumber: '100', manager: { value: 'bob-id' } },
  },
  bob: {
    schemas: [USER_SCHEMA, ENTERPRISE],
    userName: 'Bob@Acme.com',
    externalId: 'B-2',
    name: { givenName: 'Bob', familyName: 'Brown' },
    emails: [{ type: 'work', value: 'bob@acme.com' }],
    title: 'Manager',
    userType: 'Employee',
    active: true,
    [ENTERPRISE]: { department: 'Sales', employeeNumber: '200' },
  },
  carol: {
    userName: 'carol@contractor.io',
    externalId: 'C-3',
    name: { givenName: 'Carol', familyName: 'Clark' },
    emails: [{ type: 'work', value: 'carol@contractor.io' }],
    userType: 'Contractor',
    active: false,
  },
  dave: {
    userName: 'dave@acme.com',
    name: { givenName: 'Dave', familyName: 'Davis' },
    emails: [],
    title: 'Intern',
    userType: 'Intern',
    active: 'True',
    score: 7,
  },
  eve: {
    userName: 'eve_smith@acme.com',
    externalId: 'E-5',
    name: { givenName: 'Eve', familyName: 'Smith' },
    emails: [{ type: 'work', value: 'eve_smith@acme.com' }],
    title: 'Engineer',
    userType: 'Employee',
    active: true,
  },
};

beforeAll(async () => {
  t = await startTestApp();
  dir = await createTestDirectory(t.url, t.sandboxKey);
  for (const [key, body] of Object.entries(SEED)) {
    const res = await dir.scim.post('/Users', scimUserBody(body));
    if (res.status !== 201) throw new Error(`seed ${key}: ${JSON.stringify(res.body)}`);
    ids[key] = res.body.id;
  }
  await dir.scim.post(
    '/Groups',
    scimGroupBody({
      displayName: 'Engineering',
      externalId: 'g-eng',
      members: [{ value: ids['alice'] }, { value: ids['eve'] }],
    }),
  );
  await dir.scim.post('/Groups', scimGroupBody({ displayName: 'Sales', members: [{ value: ids['bob'] }] }));
});
afterAll(async () => {
  await t.close();
});

const ALL = ['alice', 'bob', 'carol', 'dave', 'eve'];

const USER_FILTERS: [string, string[]][] = [
  ['userName eq "alice@acme.com"', ['alice']],
  ['userName eq "ALICE@ACME.COM"', ['alice']],
  ['userName Eq "bob@acme.com"', ['bob']],
  ['userName ne "alice@acme.com"', ['bob', 'carol', 'dave', 'eve']],
  ['userName co "acme"', ['alice', 'bob', 'dave', 'eve']],
  ['userName sw "CA"', ['carol']],
  ['userName ew ".io"', ['carol']],
  ['userName co "_"', ['eve']],
  ['userName co "%"', []],
  ['userName gt "c"', ['carol', 'dave', 'eve']],
  ['userName le "bob@acme.com"', ['alice', 'bob']],
  ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "d"', ['dave']],
  ['externalId eq "A-1"', ['alice']],
  ['externalId eq "a-1"', []],
  ['externalId pr', ['alice', 'bob', 'carol', 'eve']],
  ['not (externalId pr)', ['dave']],
  ['name.givenName eq "alice"', ['alice']],
  ['name.familyName sw "d"', ['dave']],
  ['NAME.GIVENNAME eq "Bob"', ['bob']],
  ['displayName co "smith"', ['eve']],
  ['title eq "Engineer"', ['alice', 'eve']],
  ['title pr', ['alice', 'bob', 'dave', 'eve']],
  ['title pr and userType eq "Employee"', ['alice', 'bob', 'eve']],
  ['title pr or userType eq "Contractor"', ALL],
  ['userType eq "Employee" and (emails co "gmail.com" or emails.value co "contractor.io")', ['alice']],
  ['userType ne "Employee" and not (emails co "acme.com")', ['carol', 'dave']],
  ['emails[type eq "work" and value co "@acme.com"]', ['alice', 'bob', 'eve']],
  ['emails[type eq "home"]', ['alice']],
  ['emails eq "alice@gmail.com"', ['alice']],
  ['emails.value eq "BOB@acme.com"', ['bob']],
  ['emails.type eq "home"', ['alice']],
  ['emails pr', ['alice', 'bob', 'carol', 'eve']],
  [
    'emails[type eq "work" and value co "@acme.com"] or phoneNumbers[type eq "work" and value sw "+1"]',
    ['alice', 'bob', 'eve'],
  ],
  ['phoneNumbers[type eq "work" and value sw "+1"]', ['alice']],
  ['active eq true', ['alice', 'bob', 'dave', 'eve']],
  ['active eq false', ['carol']],
  ['active eq False', ['carol']],
  ['active ne true', ['carol']],
  ['meta.created gt "2000-01-01T00:00:00Z"', ALL],
  ['meta.lastModified lt "2000-01-01T00:00:00Z"', []],
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales"', ['bob']],
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "bob-id"', ['alice']],
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber ge "150"', ['bob']],
  ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', ['alice', 'bob']],
  ['score gt 5', ['dave']],
  ['score le 3', ['alice']],
  ['groups[display eq "Engineering"]', ['alice', 'eve']],
  ['groups.display eq "sales"', ['bob']],
  ['not (userName co "acme")', ['carol']],
  ['(userName sw "a" or userName sw "b") and active eq true', ['alice', 'bob']],
  ['nickName pr', []],
  ['userName eq "x" or (title eq "Intern" and not (active eq false))', ['dave']],
];

describe('GET /Users?filter=', () => {
  it.each(USER_FILTERS)('%s', async (filter, expected) => {
    const res = await dir.scim.get(filterPath('Users', filter, '&sortBy=userName&attributes=userName'));
    expect(res.status).toBe(200);
    const names = res.body.Resources.map((u: { id: string }) => Object.keys(ids).find((key) => ids[key] === u.id));
    expect(names).toEqual(expected);
    expect(res.body.totalResults).toBe(expected.length);
  });

  it('filters by id', async () => {
    const res = await dir.scim.get(filterPath('Users', `id eq "${ids['carol']}"`));
    expect(res.body.Resources.map((u: { id: string }) => u.id)).toEqual([ids['carol']]);
  });

  it('combines a filter with paging: totalResults counts every match', async () => {
    const res = await dir.scim.get(filterPath('Users', 'userName co "acme"', '&count=2&sortBy=userName'));
    expect(res.body).toMatchObject({ totalResults: 4, itemsPerPage: 2 });
  });
});

describe('GET /Groups?filter=', () => {
  it.each([
    ['displayName eq "engineering"', ['Engineering']],
    ['displayName sw "Sa"', ['Sales']],
    ['externalId eq "g-eng"', ['Engineering']],
    ['displayName co "i" and not (displayName eq "Sales")', ['Engineering']],
    ['members pr', ['Engineering', 'Sales']],
  ])('%s', async (filter, expected) => {
    const res = await dir.scim.get(filterPath('Groups', filter, '&sortBy=displayName'));
    expect(res.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(expected);
  });

  it('members[value eq] and members.value eq find the groups of a user', async () => {
    for (const filter of [`members[value eq "${ids['bob']}"]`, `members.value eq "${ids['eve']}"`]) {
      const res = await dir.scim.get(filterPath('Groups', filter));
      expect(res.body.totalResults).toBe(1);
    }
  });
});
