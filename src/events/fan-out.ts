import type { Logger } from '../lib/logger.js';

/** Handing each value to every current receiver; a receiver that throws is logged and the rest still get it. */
export interface FanOut<T> {
  readonly size: number;
  /** Adds a receiver; returns its removal. */
  add(receiver: (value: T) => void): () => void;
  publish(value: T): void;
  clear(): void;
}

export function createFanOut<T>(logger: Logger, failureMessage: string): FanOut<T> {
  const receivers = new Set<(value: T) => void>();
  return {
    get size() {
      return receivers.size;
    },
    add(receiver) {
      receivers.add(receiver);
      return () => receivers.delete(receiver);
    },
    publish(value) {
      for (const receiver of receivers) {
        try {
          receiver(value);
        } catch (error) {
          logger.error({ err: error }, failureMessage);
        }
      }
    },
    clear() {
      receivers.clear();
    },
  };
}
