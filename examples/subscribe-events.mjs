// Live provisioning events over graphql-ws, resumed without gaps or duplicates after any disconnect.
// DSYNC_URL (default http://localhost:8080), DSYNC_API_KEY, optional DSYNC_ORGANIZATION_ID and
// DSYNC_AFTER (the last event id you processed; store it durably in a real application).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = `${(process.env.DSYNC_URL ?? 'http://localhost:8080').replace(/^http/, 'ws')}/graphql`;
const query = `subscription($org: ID, $after: String) {
  provisioningEvents(organizationId: $org, after: $after) { id sequence type directoryId data }
}`;
let lastProcessedEventId = process.env.DSYNC_AFTER || null;

/** Your handler. It runs once per event, in order; the next one waits until it has finished. */
async function handle(event) {
  console.log(JSON.stringify({ id: event.id, sequence: event.sequence, type: event.type }));
}

let processing = Promise.resolve();

/** One connection and one subscription, until the socket closes or the server ends it with errors. */
function subscribeOnce() {
  return new Promise((resolve) => {
    let ended = false;
    const end = (outcome) => {
      if (ended) return;
      ended = true;
      client.dispose();
      resolve(outcome);
    };
    const client = createClient({
      url,
      webSocketImpl: WebSocket, // Node has no global WebSocket before version 22
      connectionParams: { authorization: `Bearer ${process.env.DSYNC_API_KEY}` },
      retryAttempts: 0, // graphql-ws would resubscribe with the original `after`: the loop below does it instead
      on: {
        connected: () => (attempt = 0),
        closed: (event) => end({ code: event.code, reason: event.reason }), // disposes: no close makes graphql-ws resubscribe
      },
    });
    client.subscribe(
      { query, variables: { org: process.env.DSYNC_ORGANIZATION_ID || null, after: lastProcessedEventId } },
      {
        next: (result) => {
          if (result.errors) return end({ errors: result.errors });
          const event = result.data.provisioningEvents;
          processing = processing.then(async () => {
            await handle(event);
            lastProcessedEventId = event.id;
          });
        },
        error: (error) =>
          end(Array.isArray(error) ? { errors: error } : { code: error?.code, reason: String(error?.reason ?? error) }),
        complete: () => end({ reason: 'completed' }),
      },
    );
  });
}

let attempt = 0;
for (;;) {
  const outcome = await subscribeOnce();
  await processing; // every event received before the close is handled before resubscribing
  const codes = (outcome.errors ?? []).map((error) => error.extensions?.code);
  if (outcome.code === 4401 || codes.some((code) => code !== 'INTERNAL_SERVER_ERROR')) {
    // 4401: bad API key. CURSOR_EXPIRED: resynchronise from directoryUsers/directoryGroups, then start over.
    console.error(`stopped: ${outcome.errors ? JSON.stringify(outcome.errors) : `${outcome.code} ${outcome.reason}`}`);
    process.exit(1);
  }
  // 4290 (fell behind), 1001 (server going away), 1006 (connection lost), …: resume after the last event handled.
  const delayMs = Math.min(10_000, 250 * 2 ** attempt++) * (0.5 + Math.random() / 2);
  console.error(
    `closed (${outcome.code ?? codes.join(',')}): resubscribing after ${lastProcessedEventId} in ${Math.round(delayMs)} ms`,
  );
  await new Promise((resolve) => setTimeout(resolve, delayMs));
}
