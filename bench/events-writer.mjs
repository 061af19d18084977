// The load generator of bench/events.mjs, in a worker thread so its timers do not share an event loop
// with the subscribers: POST /Users at a steady rate (open loop: a slow answer does not slow the rate).
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

// Keep-alive connections, bounded: requests beyond them wait client-side (their wait counts in latency).
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** When each user's 201 arrived (epoch ms), by userName: its transaction had committed by then. */
const answeredAt = {};

function post(url, token, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const { base, directories, rate, seconds } = workerData;
const total = rate * seconds;
const latencies = [];
let ok = 0;
let sent = 0;
const started = performance.now();
const inFlight = [];
while (sent < total) {
  const due = started + (sent * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const d = directories[sent % directories.length];
  const n = sent++;
  const t0 = performance.now();
  inFlight.push(
    post(
      `${base}/scim/v2/${d.id}/Users`,
      d.token,
      JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `bench-${n}@example.com`,
        name: { givenName: 'Bench', familyName: String(n) },
      }),
    ).then((status) => {
      latencies.push(performance.now() - t0);
      answeredAt[`bench-${n}@example.com`] = performance.timeOrigin + performance.now();
      if (status === 201) ok += 1;
    }),
  );
}
await Promise.all(inFlight);
agent.destroy();
latencies.sort((a, b) => a - b);
parentPort.postMessage({
  sent,
  ok,
  seconds: (performance.now() - started) / 1000,
  p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
  p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  answeredAt,
});
