import { ApiError, gql, SessionEnded } from './api.js';
import { h, replace, when, type Child } from './dom.js';
import type { PortalEvent } from './status.js';

/** What the tabs that read the directory need. */
export interface BrowseContext {
  readonly directoryId: string;
  readonly sessionEnded: (reason: string) => void;
}

const USERS = /* GraphQL */ `
  query Users($directoryId: ID!, $filter: DirectoryUserFilter) {
    directoryUsers(directoryId: $directoryId, first: 100, filter: $filter) {
      totalCount
      edges {
        node {
          id
          userName
          email
          displayName
          firstName
          lastName
          state
        }
      }
    }
  }
`;

const GROUPS = /* GraphQL */ `
  query Groups($directoryId: ID!) {
    directoryGroups(directoryId: $directoryId, first: 50) {
      totalCount
      edges {
        node {
          id
          displayName
          members(first: 50) {
            totalCount
            edges {
              node {
                id
                userName
                displayName
              }
            }
          }
        }
      }
    }
  }
`;

const EVENTS = /* GraphQL */ `
  query Events($filter: EventFilter) {
    events(first: 100, filter: $filter) {
      edges {
        node {
          id
          type
          createdAt
          data
        }
      }
    }
  }
`;

const REQUEST_LOG = /* GraphQL */ `
  query RequestLog($id: ID!, $filter: RequestLogFilter) {
    directory(id: $id) {
      requestLog(first: 50, filter: $filter) {
        edges {
          node {
            id
            createdAt
            method
            path
            status
            scimType
            errorDetail
            authFailure
            requestBody
            requestBodyTruncated
            responseBody
            responseBodyTruncated
          }
        }
      }
    }
  }
`;

type Edges<T> = { edges: { node: T }[] };

/** A loading line, then `draw(data)` or the error (a lost session goes to its own screen). */
function load<T>(target: HTMLElement, context: BrowseContext, read: () => Promise<T>, draw: (data: T) => Child[]) {
  replace(target, h('p', { role: 'status' }, 'Loading…'));
  read()
    .then((data) => replace(target, draw(data)))
    .catch((error: unknown) => {
      if (error instanceof SessionEnded) return context.sessionEnded(error.message);
      replace(
        target,
        h('p', { class: 'error', role: 'alert' }, error instanceof ApiError ? error.message : 'Failed to load.'),
      );
    });
}

function table(caption: string, headings: string[], rows: Child[], attributes: Record<string, string> = {}) {
  // Scrolls sideways on a narrow screen: focusable, so that the keyboard can scroll it too.
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0' },
    h(
      'table',
      attributes,
      h('caption', { class: 'muted' }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headings.map((heading) => h('th', { scope: 'col' }, heading)),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

/** Users, with a search box and a state filter. */
export function usersView(context: BrowseContext): HTMLElement {
  const search = h('input', { id: 'user-search', type: 'search', name: 'search', autocomplete: 'off' });
  const state = h(
    'select',
    { id: 'user-state', name: 'state' },
    h('option', { value: '' }, 'Any'),
    h('option', { value: 'ACTIVE' }, 'Active'),
    h('option', { value: 'INACTIVE' }, 'Inactive'),
  );
  const results = h('div', {});
  const run = () =>
    load(
      results,
      context,
      () =>
        gql<{ directoryUsers: Edges<Record<string, string | null>> & { totalCount: number } }>(USERS, {
          directoryId: context.directoryId,
          filter: {
            ...(search.value.trim() ? { search: search.value.trim() } : {}),
            ...(state.value ? { state: state.value } : {}),
          },
        }),
      ({ directoryUsers }) => [
        table(
          `${directoryUsers.totalCount} users`,
          ['User name', 'Email', 'Name', 'State'],
          directoryUsers.edges.map(({ node }) =>
            h(
              'tr',
              {},
              h('td', {}, node['userName'] ?? ''),
              h('td', {}, node['email'] ?? '—'),
              h(
                'td',
                {},
                node['displayName'] ?? ([node['firstName'], node['lastName']].filter(Boolean).join(' ') || '—'),
              ),
              h('td', {}, node['state'] === 'ACTIVE' ? 'Active' : 'Inactive'),
            ),
          ),
          { 'data-testid': 'users' },
        ),
      ],
    );
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Users' },
    h('div', {}, h('label', { for: 'user-search' }, 'Search name or email'), search),
    h('div', {}, h('label', { for: 'user-state' }, 'State'), state),
    h('div', {}, h('button', { type: 'submit' }, 'Search')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
  run();
  return h('section', { 'aria-labelledby': 'users-title' }, h('h2', { id: 'users-title' }, 'Users'), form, results);
}

interface Member {
  userName: string;
  displayName: string | null;
}

/** Groups with their members. */
export function groupsView(context: BrowseContext): HTMLElement {
  const results = h('div', {});
  load(
    results,
    context,
    () =>
      gql<{
        directoryGroups: Edges<{ displayName: string; members: Edges<Member> & { totalCount: number } }> & {
          totalCount: number;
        };
      }>(GROUPS, { directoryId: context.directoryId }),
    ({ directoryGroups }) => [
      table(
        `${directoryGroups.totalCount} groups`,
        ['Group', 'Members'],
        directoryGroups.edges.map(({ node }) =>
          h(
            'tr',
            {},
            h('td', {}, node.displayName),
            h(
              'td',
              {},
              `${node.members.totalCount}: `,
              node.members.edges.map(({ node: member }) => member.displayName ?? member.userName).join(', ') || '—',
            ),
          ),
        ),
        { 'data-testid': 'groups' },
      ),
    ],
  );
  return h('section', { 'aria-labelledby': 'groups-title' }, h('h2', { id: 'groups-title' }, 'Groups'), results);
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Recent provisioning events, newest first, each with its before and after; live ones are added on top. */
export function eventsView(context: BrowseContext, live: readonly PortalEvent[]): HTMLElement {
  const results = h('div', {});
  const since = new Date(Date.now() - 7 * 24 * 3_600_000).toISOString();
  load(
    results,
    context,
    () => gql<{ events: Edges<PortalEvent> }>(EVENTS, { filter: { directoryId: context.directoryId, since } }),
    ({ events }) => {
      const byId = new Map<string, PortalEvent>();
      for (const event of [...events.edges.map((edge) => edge.node), ...live]) byId.set(event.id, event);
      const all = [...byId.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
      if (all.length === 0)
        return [h('p', {}, 'No events yet: they appear here as your identity provider provisions.')];
      return [
        h(
          'ol',
          { class: 'events', reversed: true, 'data-testid': 'events' },
          all.map((event) =>
            h(
              'li',
              {},
              h(
                'details',
                {},
                h('summary', {}, h('strong', {}, event.type), ` · ${when(event.createdAt)}`),
                'before' in event.data || 'after' in event.data
                  ? [
                      h('h3', {}, 'Before'),
                      h('pre', {}, json(event.data['before'] ?? null)),
                      h('h3', {}, 'After'),
                      h('pre', {}, json(event.data['after'] ?? null)),
                    ]
                  : h('pre', {}, json(event.data)),
              ),
            ),
          ),
        ),
      ];
    },
  );
  return h('section', { 'aria-labelledby': 'events-title' }, h('h2', { id: 'events-title' }, 'Recent events'), results);
}

interface LogEntry {
  id: string;
  createdAt: string;
  method: string;
  path: string;
  status: number;
  scimType: string | null;
  errorDetail: string | null;
  authFailure: string | null;
  requestBody: string | null;
  requestBodyTruncated: boolean;
  responseBody: string | null;
  responseBodyTruncated: boolean;
}

/** The SCIM request log, newest first; failed requests (400 and above) are marked, with their bodies. */
export function requestLogView(context: BrowseContext): HTMLElement {
  const errorsOnly = h('input', { id: 'errors-only', type: 'checkbox' });
  const results = h('div', {});
  const run = () =>
    load(
      results,
      context,
      () =>
        gql<{ directory: { requestLog: Edges<LogEntry> } }>(REQUEST_LOG, {
          id: context.directoryId,
          filter: errorsOnly.checked ? { errorsOnly: true } : {},
        }),
      ({ directory }) => [
        table(
          `${directory.requestLog.edges.length} latest requests`,
          ['Time', 'Request', 'Status', 'Details'],
          directory.requestLog.edges.map(({ node }) => {
            const failed = node.status >= 400;
            const bodies = (label: string, body: string | null, truncated: boolean) =>
              body && h('div', {}, h('h3', {}, label + (truncated ? ' (cut at 16 KiB)' : '')), h('pre', {}, body));
            return h(
              'tr',
              { class: failed ? 'failed' : '', 'data-testid': 'request-log-entry', 'data-status': node.status },
              h('td', {}, when(node.createdAt)),
              h('td', {}, h('code', {}, `${node.method} ${node.path}`)),
              h('td', {}, failed ? h('span', { class: 'badge bad' }, `Failed ${node.status}`) : String(node.status)),
              h(
                'td',
                {},
                node.authFailure &&
                  h('p', {}, `Authentication failed: ${node.authFailure.replace('_', ' ').toLowerCase()}`),
                node.errorDetail && h('p', {}, node.errorDetail),
                (node.requestBody || node.responseBody) &&
                  h(
                    'details',
                    {},
                    h('summary', {}, 'Bodies (redacted)'),
                    bodies('Request', node.requestBody, node.requestBodyTruncated),
                    bodies('Response', node.responseBody, node.responseBodyTruncated),
                  ),
              ),
            );
          }),
          { 'data-testid': 'request-log' },
        ),
      ],
    );
  errorsOnly.addEventListener('change', run);
  run();
  return h(
    'section',
    { 'aria-labelledby': 'log-title' },
    h('h2', { id: 'log-title' }, 'Request log'),
    h(
      'p',
      { class: 'muted' },
      'The latest SCIM requests from your identity provider. Passwords and tokens are never shown.',
    ),
    h('p', {}, errorsOnly, ' ', h('label', { for: 'errors-only', class: 'inline' }, 'Failed requests only')),
    results,
  );
}
