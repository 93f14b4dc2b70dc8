import type { ClientEvent } from '../../domain/client-api.js';

/** Where the shells get the events they forward to the UI (sync state, changed orders). */
export interface ClientEventSource {
  subscribe(listener: (event: ClientEvent) => void): () => void;
}

/** A small fan-out hub; the services publish, each shell subscribes once per window or stream. */
export function createEventHub(): ClientEventSource & { publish(event: ClientEvent): void } {
  const listeners = new Set<(event: ClientEvent) => void>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish(event) {
      for (const l of listeners) {
        try {
          l(event);
        } catch {
          // one broken window must not stop the others from hearing about it
        }
      }
    },
  };
}
