import type { Logger } from '../lib/logger.js';
import type { DirectoryEvent } from './event-types.js';

export interface CatchUpOptions {
  /** Committed events after a commit position, oldest first, at most `limit`. */
  readonly read: (position: number, limit: number) => Promise<DirectoryEvent[]>;
  /** Receives each event read, in commit order. */
  readonly publish: (event: DirectoryEvent) => void;
  readonly logger: Logger;
  readonly batchSize: number;
  /** Wait before reading again after a failed read. */
  readonly retryDelayMs: number;
}

export interface CatchUp {
  /** The newest commit position handed to `publish`. */
  readonly position: number;
  /** Continues after `position` (the newest position at start). */
  startAt(position: number): void;
  /** Moves the position forward without reading, unless a read is running; says whether it moved. */
  skipTo(position: number): boolean;
  /** Reads and publishes every event after the position; calls during a read coalesce into one more read. */
  run(): void;
  /** Stops reading (and retrying) and waits for a running read. */
  close(): Promise<void>;
}

/**
 * Reading the events table after the last position handed out, in batches, one read at a time. A failed read
 * is retried after `retryDelayMs`, so a notification lost to a failure loses no event.
 */
export function createCatchUp({ read, publish, logger, batchSize, retryDelayMs }: CatchUpOptions): CatchUp {
  let position = 0;
  let closed = false;
  let reading: Promise<void> | undefined;
  let readAgain = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const readNew = async () => {
    do {
      readAgain = false;
      for (;;) {
        const events = await read(position, batchSize);
        for (const event of events) {
          position = event.position;
          publish(event);
        }
        if (events.length < batchSize) break;
      }
    } while (readAgain && !closed);
  };

  const run = () => {
    if (closed) return;
    if (reading) {
      readAgain = true;
      return;
    }
    reading = readNew()
      .catch((error: unknown) => {
        logger.error({ err: error }, 'reading new events failed; retrying');
        retryTimer ??= setTimeout(() => {
          retryTimer = undefined;
          run();
        }, retryDelayMs);
      })
      .finally(() => {
        reading = undefined;
        if (readAgain) run();
      });
  };

  return {
    get position() {
      return position;
    },
    startAt(start) {
      position = start;
    },
    skipTo(next) {
      if (reading) return false;
      position = Math.max(position, next);
      return true;
    },
    run,
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      await reading;
    },
  };
}
