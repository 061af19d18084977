import type { EventFilter } from './event-log.js';
import type { DirectoryEvent } from './event-types.js';
import type { EventRelay } from './notify.js';

export interface EventStreamOptions {
  readonly relay: EventRelay;
  readonly filter: EventFilter;
  /** Reads committed events matching the filter after a position (the catch-up from the table). */
  readonly readAfter: (filter: EventFilter, position: number, limit: number) => Promise<DirectoryEvent[]>;
  /** Resume after this commit position; `undefined` = live events only, from now on. */
  readonly after: number | undefined;
  /** Live events held for a consumer that reads slower than they come; exceeding it calls `onOverflow`. */
  readonly bufferLimit: number;
  /** Called once when the buffer overflows; the stream then ends (the client resumes with `after`). */
  readonly onOverflow: () => void;
  /** Told of each live (relayed, not caught-up) event as the stream hands it to its consumer (metrics). */
  readonly onLiveEvent?: (event: DirectoryEvent) => void;
  readonly pageSize?: number;
}

export function matchesFilter(filter: EventFilter, event: DirectoryEvent): boolean {
  return (
    event.environmentId === filter.environmentId &&
    (!filter.organizationId || event.organizationId === filter.organizationId) &&
    (!filter.directoryId || event.directoryId === filter.directoryId) &&
    (!filter.types || filter.types.length === 0 || filter.types.includes(event.type))
  );
}

/**
 * One subscriber's events: first those committed after `after` (read from the table, page by page, as
 * the consumer pulls), then live ones from the relay, each exactly once and in commit order.
 *
 * The switch is gap-free: while catching up, the relay's events only mark the stream "dirty"; catch-up
 * ends with a short page read while nothing new was relayed, so every event relayed before that read
 * started was visible to it, and every later one is queued live. Live events at or before the cursor
 * are dropped, so none arrives twice. The consumer never blocks the relay: live events queue up to
 * `bufferLimit`, then the stream ends and `onOverflow` tells the transport to close the connection.
 */
export class EventStream implements AsyncIterableIterator<DirectoryEvent> {
  private readonly queue: DirectoryEvent[] = [];
  private head = 0;
  private cursor: number;
  private mode: 'catch-up' | 'live';
  private dirty = false;
  /** The first event queued live: it and every later one were relayed, all before it were read from the table. */
  private firstLive = Number.POSITIVE_INFINITY;
  private ended = false;
  private wake: (() => void) | undefined;
  private readonly unsubscribe: () => void;
  private readonly pageSize: number;

  constructor(private readonly options: EventStreamOptions) {
    this.pageSize = options.pageSize ?? 500;
    this.cursor = options.after ?? options.relay.position;
    this.mode = options.after === undefined ? 'live' : 'catch-up';
    this.unsubscribe = options.relay.subscribe((event) => this.onRelayed(event));
  }

  private onRelayed(event: DirectoryEvent): void {
    if (this.ended || !matchesFilter(this.options.filter, event)) return;
    if (this.mode === 'catch-up') {
      this.dirty = true;
      return;
    }
    if (event.position <= this.cursor) return;
    if (this.queue.length - this.head >= this.options.bufferLimit) {
      this.end();
      this.options.onOverflow();
      return;
    }
    this.firstLive = Math.min(this.firstLive, event.position);
    this.enqueue(event);
    this.signal();
  }

  private enqueue(event: DirectoryEvent): void {
    this.queue.push(event);
    this.cursor = event.position;
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private take(): DirectoryEvent {
    const event = this.queue[this.head] as DirectoryEvent;
    this.head += 1;
    if (this.head > 1_024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return event;
  }

  private async readPage(): Promise<void> {
    this.dirty = false;
    const page = await this.options.readAfter(this.options.filter, this.cursor, this.pageSize);
    if (this.ended) return;
    for (const event of page) this.enqueue(event);
    if (page.length < this.pageSize && !this.dirty) this.mode = 'live';
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.head = 0;
    this.unsubscribe();
    this.signal();
  }

  async next(): Promise<IteratorResult<DirectoryEvent>> {
    for (;;) {
      if (this.ended) return { value: undefined, done: true };
      if (this.head < this.queue.length) {
        const event = this.take();
        if (event.position >= this.firstLive) this.options.onLiveEvent?.(event);
        return { value: event, done: false };
      }
      if (this.mode === 'catch-up') {
        try {
          await this.readPage();
        } catch (error) {
          this.end(); // graphql-js does not call return() after a failed next()
          throw error;
        }
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  async return(): Promise<IteratorResult<DirectoryEvent>> {
    this.end();
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<DirectoryEvent>> {
    this.end();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<DirectoryEvent> {
    return this;
  }
}
