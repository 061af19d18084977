import { gql, SessionEnded } from './api.js';
import { h, replace, when } from './dom.js';
import { subscribe } from './live.js';
import { providerName, type Directory, type Health } from './model.js';

/** How often the panel reads the directory's health besides the live events (the IdP's first request
 * activates the directory and commits `dsync.activated`, which arrives at once; the poll covers a socket
 * that is down). */
const POLL_MS = 4_000;
const RECONNECT_MS = 3_000;

const STATUS_QUERY = /* GraphQL */ `
  query Status($id: ID!) {
    directory(id: $id) {
      state
      health {
        lastRequestAt
        lastSuccessAt
        lastError {
          status
          detail
        }
        userCount
        groupCount
      }
    }
  }
`;

const EVENTS_SUBSCRIPTION = /* GraphQL */ `
  subscription Live($directoryId: ID!) {
    provisioningEvents(directoryId: $directoryId) {
      id
      type
      createdAt
      data
    }
  }
`;

/** A provisioning event as the portal shows it. */
export interface PortalEvent {
  readonly id: string;
  readonly type: string;
  readonly createdAt: string;
  readonly data: Record<string, unknown>;
}

export interface StatusPanel {
  readonly element: HTMLElement;
  stop(): void;
}

/**
 * The live connection panel: "Waiting for <IdP>'s first request" until the directory is active (the IdP's
 * first authenticated request activates it), then "Connected", with user and group counts that follow every
 * provisioning event. Reads the directory's health when an event arrives and every few seconds.
 */
export function statusPanel(
  directory: Directory,
  { onEvent, onSessionEnded }: { onEvent: (event: PortalEvent) => void; onSessionEnded: (reason: string) => void },
): StatusPanel {
  const state = h('p', { class: 'state', 'data-testid': 'connection-state', role: 'status' }, 'Checking…');
  const users = h('span', { 'data-testid': 'user-count' }, '–');
  const groups = h('span', { 'data-testid': 'group-count' }, '–');
  const detail = h('p', { class: 'muted' });
  const element = h(
    'section',
    { class: 'card', 'aria-labelledby': 'status-title' },
    h('h2', { id: 'status-title' }, 'Connection status'),
    state,
    h('p', { class: 'status' }, h('span', {}, 'Users: ', users), h('span', {}, 'Groups: ', groups)),
    detail,
  );
  const idp = providerName(directory.provider);
  let stopped = false;
  let pollTimer: number | undefined;
  let reconnectTimer: number | undefined;
  let stopLive: (() => void) | undefined;

  const show = (directoryState: Directory['state'], health: Health) => {
    users.textContent = String(health.userCount);
    groups.textContent = String(health.groupCount);
    state.classList.toggle('ok', directoryState === 'ACTIVE');
    if (directoryState === 'ACTIVE') state.textContent = `Connected: ${idp} is provisioning`;
    else if (directoryState === 'INACTIVE') state.textContent = 'Switched off: the SCIM endpoint refuses requests';
    else if (health.lastError)
      state.textContent = `${idp} reached dsync, but its requests fail (${health.lastError.status}): check the SCIM base URL and token`;
    else state.textContent = `Waiting for ${idp}'s first request…`;
    replace(
      detail,
      health.lastRequestAt ? `Last request: ${when(health.lastRequestAt)}` : '',
      health.lastError ? ` · last error: ${health.lastError.status} ${health.lastError.detail ?? ''}` : '',
    );
  };

  const refresh = async () => {
    try {
      const data = await gql<{ directory: { state: Directory['state']; health: Health } }>(STATUS_QUERY, {
        id: directory.id,
      });
      if (!stopped) show(data.directory.state, data.directory.health);
    } catch (error) {
      if (error instanceof SessionEnded) onSessionEnded(error.message);
    }
  };

  const poll = () => {
    void refresh().finally(() => {
      if (!stopped) pollTimer = window.setTimeout(poll, POLL_MS);
    });
  };

  const connect = () => {
    stopLive = subscribe<{ provisioningEvents: PortalEvent }>({
      query: EVENTS_SUBSCRIPTION,
      variables: { directoryId: directory.id },
      onNext: (data) => {
        onEvent(data.provisioningEvents);
        void refresh();
      },
      // Closed by the server (4401: the session ended) or the network: a read tells which (a lost session
      // goes to its screen, saying why); otherwise connect again.
      onClosed: () => {
        if (stopped) return;
        void refresh().finally(() => {
          if (!stopped) reconnectTimer = window.setTimeout(connect, RECONNECT_MS);
        });
      },
    });
  };

  poll();
  connect();
  return {
    element,
    stop: () => {
      stopped = true;
      window.clearTimeout(pollTimer);
      window.clearTimeout(reconnectTimer);
      stopLive?.();
    },
  };
}
