// Receives dsync webhooks on node:http and verifies them with the `standardwebhooks` package.
// DSYNC_WEBHOOK_SECRET: the whsec_… secret from createWebhook. PORT: default 8000 (POST /dsync).
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const wh = new Webhook(process.env.DSYNC_WEBHOOK_SECRET);
const port = Number(process.env.PORT ?? 8000);
const MAX_BODY = 1024 * 1024;

const server = createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/dsync') return res.writeHead(404).end();
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    if ((size += chunk.length) > MAX_BODY) return res.writeHead(413).end();
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  let event;
  try {
    event = wh.verify(body, req.headers); // throws on a bad signature or a stale timestamp
  } catch {
    return res.writeHead(400).end();
  }
  // Apply the event idempotently: the webhook-id header (= event.id) is the same on every retry.
  console.log(JSON.stringify({ id: event.id, sequence: event.sequence, type: event.type }));
  res.writeHead(204).end(); // answer within WEBHOOK_TIMEOUT_MS; do slow work afterwards
});
server.listen(port, () => console.error(`listening on http://localhost:${port}/dsync`));
