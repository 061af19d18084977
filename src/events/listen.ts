import pg from 'pg';

import type { Logger } from '../lib/logger.js';

export interface ListenOptions {
  readonly databaseUrl: string;
  readonly channels: readonly string[];
  readonly logger: Logger;
  /** Called for every notification on one of `channels`. */
  readonly onNotification: (channel: string, payload: string | undefined) => void;
  /** Called once a dropped connection listens again: whatever was notified meanwhile was missed. */
  readonly onReconnected: () => void;
  /** Called when the connection drops: from now until `onReconnected`, notifications are not heard. */
  readonly onDisconnected?: () => void;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
}

export interface Listener {
  /** Connects and LISTENs on every channel; rejects when that fails. */
  start(): Promise<void>;
  /** Stops reconnecting and closes the connection. */
  close(): Promise<void>;
}

/**
 * One dedicated connection (outside the pool) that LISTENs on `channels`. A dropped connection is opened
 * again after `reconnectDelayMs`, doubling per failure up to `maxReconnectDelayMs`, and `onReconnected`
 * lets the caller catch up on what it missed.
 */
export function listen(options: ListenOptions): Listener {
  const { databaseUrl, channels, logger, onNotification, onReconnected, reconnectDelayMs, maxReconnectDelayMs } =
    options;
  const onDisconnected = options.onDisconnected ?? (() => undefined);
  let client: pg.Client | undefined;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let listening = false;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl, application_name: 'dsync-events' });
    next.on('notification', (message) => onNotification(message.channel, message.payload));
    next.on('error', (error) => {
      logger.warn({ err: error }, 'event listener connection failed; reconnecting');
      scheduleReconnect(next);
    });
    next.on('end', () => scheduleReconnect(next));
    try {
      await next.connect();
      for (const channel of channels) await next.query(`LISTEN ${channel}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    client = next;
    listening = true;
    failures = 0;
  };

  const scheduleReconnect = (failed: pg.Client) => {
    if (closed || client !== failed || reconnectTimer) return;
    client = undefined;
    if (listening) {
      listening = false;
      onDisconnected();
    }
    void failed.end().catch(() => undefined);
    const delay = Math.min(maxReconnectDelayMs, reconnectDelayMs * 2 ** failures);
    failures += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect().then(
        () => {
          try {
            onReconnected();
          } catch (error) {
            logger.error({ err: error }, 'catching up after the listener reconnected failed');
          }
        },
        (error: unknown) => {
          logger.warn({ err: error }, 'event listener reconnect failed');
          client = failed; // let scheduleReconnect run again
          scheduleReconnect(failed);
        },
      );
    }, delay);
  };

  return {
    start: connect,
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
