import http from 'node:http';
import https from 'node:https';

import { toPublicEvent, type DirectoryEvent } from '../events/event-types.js';
import type { SecretBox } from '../lib/encryption.js';
import type { ClaimedDelivery } from './claim.js';
import { deliverOnce, type DeliveryResult } from './deliver.js';
import type { UrlPolicy } from './url-guard.js';

/** Decrypted secrets by sealed value (a rotation seals anew, so entries never go stale); bounded. */
class SecretCache {
  private readonly entries = new Map<string, string>();
  constructor(
    private readonly box: SecretBox,
    private readonly max = 1_000,
  ) {}
  get(sealed: string): string {
    let plain = this.entries.get(sealed);
    if (plain === undefined) {
      plain = this.box.decrypt(sealed);
      if (this.entries.size >= this.max) this.entries.clear();
      this.entries.set(sealed, plain);
    }
    return plain;
  }
}

export interface AttemptOptions {
  readonly box: SecretBox;
  readonly policy: UrlPolicy;
  readonly timeoutMs: number;
  /** Connections kept open per endpoint (its attempts in flight). */
  readonly perEndpoint: number;
}

export interface Attempts {
  /** Signs the event for the delivery's endpoint and POSTs it once; never throws for the endpoint's failures. */
  attempt(delivery: ClaimedDelivery, event: DirectoryEvent, signal: AbortSignal): Promise<DeliveryResult>;
  /** Closes the kept-alive connections. */
  close(): void;
}

/** Sending deliveries: the event's public JSON, signed with the endpoint's secret, over keep-alive connections. */
export function createAttempts({ box, policy, timeoutMs, perEndpoint }: AttemptOptions): Attempts {
  const secrets = new SecretCache(box);
  // Keep-alive connections to endpoints; each new connection's address is checked by the guarded lookup.
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: perEndpoint }),
    https: new https.Agent({ keepAlive: true, maxSockets: perEndpoint }),
  };
  return {
    attempt(delivery, event, signal) {
      const body = toPublicEvent(event);
      return deliverOnce(
        delivery.url,
        secrets.get(delivery.secret_sealed),
        { id: body.id, body: JSON.stringify(body) },
        { policy, timeoutMs, agents, signal },
      );
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
