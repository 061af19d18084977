// Provisioning workloads of `npm run bench`: writes spread over directories (BENCH_ONLY=spread), big member
// batches on one group (group-patch), and an initial sync the way Entra ID runs one (sync).
import { addMembers, envInt, GROUP_SCHEMA, memory, run, userBody } from './scim-app.mjs';

/**
 * POST /Users from N clients, first all on one directory, then one client per directory on N directories:
 * what a per-directory serialisation point (a lock, a sequence) costs writers of one tenant.
 */
export async function spread(bench, report) {
  const directories = envInt('BENCH_SPREAD_DIRECTORIES', 16);
  const requests = envInt('BENCH_SPREAD_REQUESTS', 2_000);
  const one = await bench.directory('spread-one');
  const many = await Promise.all(Array.from({ length: directories }, (_, d) => bench.directory(`spread-${d}`)));

  const single = await run(requests, directories, (i) =>
    one.scim('POST', '/Users', userBody(`one${i}@spread.example`, i)),
  );
  report(`POST /Users, ${directories} clients on one directory`, single);
  const spreadOut = await run(requests, directories, (i, client) =>
    many[client].scim('POST', '/Users', userBody(`many${i}@spread.example`, i)),
  );
  const ratio = spreadOut.perSecond / single.perSecond;
  report(
    `POST /Users, ${directories} clients on ${directories} directories (one each)`,
    spreadOut,
    `${ratio.toFixed(2)}× one directory`,
  );
}

/** POSTs `count` users at concurrency 16 and returns their ids. */
async function createUsers(scim, count, prefix) {
  const ids = [];
  await run(count, 16, async (i) => {
    ids[i] = (await scim('POST', '/Users', userBody(`${prefix}${i}@bench.example`, i))).id;
  });
  return ids;
}

/** One client, sequential PATCHes, each adding BENCH_GROUP_PATCH_MEMBERS fresh users to the same group. */
export async function groupPatch(bench, report) {
  const patches = envInt('BENCH_GROUP_PATCHES', 50);
  const members = envInt('BENCH_GROUP_PATCH_MEMBERS', 100);
  const { scim } = await bench.directory('group-patch');
  const ids = await createUsers(scim, patches * members, 'member');
  const group = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Everyone' });
  const result = await run(patches, 1, (p) =>
    scim('PATCH', `/Groups/${group.id}`, addMembers(ids.slice(p * members, (p + 1) * members))),
  );
  report(
    `PATCH /Groups/{id} add ${members} members, sequential`,
    result,
    `group grows to ${patches * members} members`,
  );
  const size = (await scim('GET', `/Groups/${group.id}`)).members?.length ?? 0;
  if (size !== patches * members) throw new Error(`group-patch: group has ${size} members, not ${patches * members}`);
}

/**
 * An initial sync as Entra ID runs it: every user and group created by POST, then memberships added in PATCH
 * batches of BENCH_SYNC_BATCH, BENCH_SYNC_CONCURRENCY requests in flight throughout; every user ends up in
 * one group (user i in group i mod groups). Reports each phase, the total, and this process's memory after.
 */
export async function sync(bench, report) {
  const users = envInt('BENCH_SYNC_USERS', 10_000);
  const groups = envInt('BENCH_SYNC_GROUPS', 100);
  const batch = envInt('BENCH_SYNC_BATCH', 50);
  const concurrency = envInt('BENCH_SYNC_CONCURRENCY', 8);
  const { scim } = await bench.directory('sync');
  const memoryBefore = memory();

  const userIds = [];
  const groupIds = [];
  const creates = await run(users + groups, concurrency, async (i) => {
    if (i < users) userIds[i] = (await scim('POST', '/Users', userBody(`sync${i}@entra.example`, i))).id;
    else {
      const g = i - users;
      groupIds[g] = (await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `Team ${g}` })).id;
    }
  });
  report(`sync: POST ${users} users + ${groups} groups`, creates);

  // Batches in round-robin order over the groups, so concurrent PATCHes mostly hit different groups.
  const memberLists = Array.from({ length: groups }, () => []);
  userIds.forEach((id, i) => memberLists[i % groups].push(id));
  const batches = [];
  for (let offset = 0; batches.length * batch < users; offset += batch) {
    for (let g = 0; g < groups; g++) {
      const slice = memberLists[g].slice(offset, offset + batch);
      if (slice.length > 0) batches.push({ group: groupIds[g], ids: slice });
    }
  }
  const patches = await run(batches.length, concurrency, (b) =>
    scim('PATCH', `/Groups/${batches[b].group}`, addMembers(batches[b].ids)),
  );
  report(`sync: PATCH /Groups add members, ${batch} per request`, patches);

  let memberships = 0;
  for (let start = 1; start <= groups; start += 100) {
    const page = await scim('GET', `/Groups?startIndex=${start}&count=100&attributes=members`);
    memberships += page.Resources.reduce((n, group) => n + (group.members?.length ?? 0), 0);
  }
  if (memberships !== users) throw new Error(`sync: ${memberships} memberships, expected ${users}`);

  const after = memory();
  const seconds = creates.seconds + patches.seconds;
  const mb = (n) => n.toFixed(0);
  const more = (n) => `${n >= 0 ? '+' : ''}${n.toFixed(0)}`;
  const requests = creates.requests + patches.requests;
  report(
    `sync: total (${users} users, ${groups} groups, memberships)`,
    { requests, concurrency, perSecond: requests / seconds },
    `${seconds.toFixed(1)} s end to end; process after${after.afterGc ? ' gc' : ' (no gc)'}: ` +
      `RSS ${mb(after.rss)} MB (${more(after.rss - memoryBefore.rss)}), ` +
      `heapUsed ${mb(after.heapUsed)} MB (${more(after.heapUsed - memoryBefore.heapUsed)})`,
  );
}
