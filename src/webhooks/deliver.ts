import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';

import { storableText } from '../lib/json-guard.js';
import { BlockedAddressError, guardedLookup, isBlockedAddress, type UrlPolicy } from './url-guard.js';
import type { DeliveryAttempt } from './webhook.entity.js';

export const RESPONSE_CAP_BYTES = 64 * 1024;
const EXCERPT_CHARS = 1_024;

export interface OutgoingMessage {
  /** The `webhook-id`: the event id, the same on every retry. */
  readonly id: string;
  /** The exact body sent and signed. */
  readonly body: string;
}

export interface DeliveryResult {
  readonly attempt: DeliveryAttempt;
  /** Seconds from a `Retry-After` header on 429/503, if any. */
  readonly retryAfterMs: number | null;
  /** The attempt was cut short by `signal` (shutdown): it says nothing about the endpoint. */
  readonly aborted: boolean;
}

/** Standard Webhooks headers over the exact bytes sent (`id.timestamp.body`, HMAC-SHA256). */
export function signatureHeaders(secret: string, message: OutgoingMessage, now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': new Webhook(secret).sign(message.id, new Date(timestamp * 1000), message.body),
  };
}

function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export interface DeliverOptions {
  readonly policy: UrlPolicy;
  readonly timeoutMs: number;
  /** Keep-alive agents; without them every attempt opens a new connection. */
  readonly agents?: { readonly http: http.Agent; readonly https: https.Agent };
  /** Aborts the attempt at once (the worker's stop): the result is `aborted`. */
  readonly signal?: AbortSignal;
}

/**
 * One signed POST: no redirects followed, `timeoutMs` for the whole exchange, at most 64 KiB of the response
 * read, plain http and private addresses refused (the latter at connect time) unless the policy allows them,
 * both checked again on every attempt. Never throws: failures are attempts with an `error`.
 */
export function deliverOnce(
  url: string,
  secret: string,
  message: OutgoingMessage,
  options: DeliverOptions,
): Promise<DeliveryResult> {
  const started = performance.now();
  const attemptedAt = new Date();
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const host = target.hostname.replace(/^\[|\]$/g, '');

  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let request: http.ClientRequest | undefined;
    const onAbort = () => {
      finish({ error: 'aborted: dsync is shutting down' }, null, true);
      request?.destroy();
    };
    const finish = (fields: Partial<DeliveryAttempt>, retryAfterMs: number | null = null, aborted = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const statusCode = fields.statusCode ?? null;
      const excerpt = fields.responseExcerpt ? storableText(fields.responseExcerpt) : null;
      resolve({
        attempt: {
          attemptedAt: attemptedAt.toISOString(),
          statusCode,
          durationMs: Math.round(performance.now() - started),
          responseExcerpt: excerpt || null,
          error: fields.error ? storableText(fields.error) : null,
          success: statusCode !== null && statusCode >= 200 && statusCode < 300,
        },
        retryAfterMs,
        aborted,
      });
    };

    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    if (target.protocol === 'http:' && !options.policy.allowHttp) {
      finish({
        error: 'refused: plain http is not allowed (WEBHOOK_ALLOW_HTTP=false); update the endpoint to an https URL',
      });
      return;
    }
    if (isIP(host) && !options.policy.allowPrivateNetworks && isBlockedAddress(host)) {
      finish({ error: `refused: ${host} is a private or reserved address` });
      return;
    }
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'dsync-webhooks/1',
      ...signatureHeaders(secret, message, attemptedAt),
    };
    const agent = options.agents ? (target.protocol === 'https:' ? options.agents.https : options.agents.http) : false;
    request = client.request(
      target,
      { method: 'POST', headers, lookup: guardedLookup(options.policy) as never, agent },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const excerpt = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS);
          const status = response.statusCode ?? 0;
          const retryAfter =
            status === 429 || status === 503 ? parseRetryAfter(response.headers['retry-after'], Date.now()) : null;
          finish(
            {
              statusCode: status,
              responseExcerpt: excerpt,
              ...(status >= 200 && status < 300 ? {} : { error: `HTTP ${status}` }),
            },
            retryAfter,
          );
        };
        response.on('data', (chunk: Buffer) => {
          if (size >= RESPONSE_CAP_BYTES) return;
          chunks.push(chunk.subarray(0, RESPONSE_CAP_BYTES - size));
          size += chunk.length;
          if (size >= RESPONSE_CAP_BYTES) {
            done();
            response.destroy();
          }
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    timer = setTimeout(() => {
      finish({ error: `timed out after ${options.timeoutMs} ms` });
      request?.destroy();
    }, options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => {
      finish({
        error:
          error instanceof BlockedAddressError ? `refused: ${error.message}` : `connection failed: ${error.message}`,
      });
    });
    request.end(message.body);
  });
}
