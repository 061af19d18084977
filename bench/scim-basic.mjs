// The first `npm run bench` workloads (BENCH_ONLY=basic): one directory of BENCH_USERS users, created by POST,
// then lookups, pages, user PATCHes and member batches on one group, BENCH_CONCURRENCY clients.
import { addMembers, envInt, GROUP_SCHEMA, PATCH_SCHEMA, run, userBody } from './scim-app.mjs';

/** Creates, reads and patches one directory; reports each operation as a row. */
export async function basic(bench, report) {
  const users = envInt('BENCH_USERS', 10_000);
  const concurrency = envInt('BENCH_CONCURRENCY', 16);
  const samples = envInt('BENCH_SAMPLES', 500);
  const { scim } = await bench.directory('basic', 'OKTA');
  const note = `directory of ${users} users`;

  const ids = [];
  const create = await run(users, concurrency, async (i) => {
    ids[i] = (await scim('POST', '/Users', userBody(`user${i}@bench.example`, i))).id;
  });
  report('POST /Users (create)', create, note);

  const pick = (i) => (i * 7919) % users;
  const filter = (expression) => `/Users?filter=${encodeURIComponent(expression)}`;
  report(
    'GET /Users?filter=userName eq …',
    await run(samples, concurrency, (i) => scim('GET', filter(`userName eq "USER${pick(i)}@bench.example"`))),
    note,
  );
  report(
    'GET /Users?filter=externalId eq …',
    await run(samples, concurrency, (i) => scim('GET', filter(`externalId eq "ext-user${pick(i)}@bench.example"`))),
    note,
  );
  report(
    'GET /Users?startIndex=…&count=100',
    await run(samples, concurrency, (i) =>
      scim('GET', `/Users?startIndex=${(pick(i) % Math.max(1, users - 100)) + 1}&count=100`),
    ),
    note,
  );
  report(
    'PATCH /Users/{id} (replace givenName)',
    await run(samples, concurrency, (i) =>
      scim('PATCH', `/Users/${ids[pick(i)]}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'name.givenName', value: `Renamed${i}` }],
      }),
    ),
    note,
  );

  const group = await scim('POST', '/Groups', {
    schemas: [GROUP_SCHEMA],
    displayName: 'Everyone',
  });
  const batch = 100;
  const batches = Math.floor(users / batch);
  report(
    `PATCH /Groups/{id} add ${batch} members (one group)`,
    await run(batches, concurrency, (b) =>
      scim('PATCH', `/Groups/${group.id}`, addMembers(ids.slice(b * batch, b * batch + batch))),
    ),
    note,
  );
  const groupsOfFirst = `/Groups?filter=${encodeURIComponent(`members[value eq "${ids[0]}"]`)}&excludedAttributes=members`;
  const total = (await scim('GET', groupsOfFirst)).totalResults;
  if (total !== 1) throw new Error(`basic: user 0 is in ${total} groups, not 1`);
}
