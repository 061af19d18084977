import { clearSession, gql, SessionEnded, startSession } from './api.js';
import { eventsView, groupsView, requestLogView, usersView } from './browse.js';
import { h, replace } from './dom.js';
import { DIRECTORY_FIELDS, providerName, type Directory, type Portal } from './model.js';
import { setupView } from './setup.js';
import { statusPanel, type PortalEvent, type StatusPanel } from './status.js';

/**
 * The admin portal: accept the invitation (the server sets an HttpOnly session cookie), pick the identity
 * provider, copy the SCIM base URL and token, watch the connection go live, look around, sign out. No
 * secret is ever written to storage; the SCIM token lives in this page's memory only.
 */

const main = document.getElementById('app') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
const vendor = document.body.dataset['vendor'] ?? 'your vendor';
const live = h('p', { class: 'sr-only', 'aria-live': 'polite', role: 'status' });
document.body.append(live);

/** Directories the picker lists (an organization has one or two; the API pages beyond). */
const MAX_DIRECTORIES = 50;

const VIEWER = /* GraphQL */ `
  query Viewer {
    viewer {
      admin { id email name }
      organization { id name directories(first: ${MAX_DIRECTORIES}) { edges { node { ${DIRECTORY_FIELDS} } } } }
    }
  }
`;

let status: StatusPanel | undefined;

function announce(text: string): void {
  live.textContent = text;
}

function show(title: string, ...content: (Node | string | false | null)[]): void {
  replace(main, h('h1', {}, title), ...content);
  document.title = `${title} · ${vendor}`;
  main.focus();
}

/** The dead end of a lost session or an unusable link, saying what to do. */
function ended(title: string, reason?: string): void {
  status?.stop();
  status = undefined;
  replace(who);
  show(
    title,
    h(
      'section',
      { class: 'card narrow', 'data-testid': 'session-ended' },
      reason ? h('p', {}, `Reason: ${reason}.`) : null,
      h('p', {}, h('strong', {}, `Ask ${vendor} for a new link`), ' to set up or manage your directory again.'),
    ),
  );
}

function sessionEnded(reason: string): void {
  ended('Your session has ended', reason);
}

function acceptScreen(token: string): void {
  const name = h('input', { id: 'admin-name', name: 'name', autocomplete: 'name', maxlength: '200' });
  const accept = h('button', { type: 'submit', class: 'primary', 'data-testid': 'accept' }, 'Accept invitation');
  const form = h(
    'form',
    { class: 'card narrow' },
    h(
      'p',
      {},
      `${vendor} invited you to connect your organization's identity provider, so that your users and groups reach ${vendor} automatically (SCIM provisioning).`,
    ),
    h('label', { for: 'admin-name' }, 'Your name (optional)'),
    name,
    h('p', {}, accept),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    accept.disabled = true;
    void startSession(token, name.value).then((refused) => {
      // The invitation is used (or unusable) now: it leaves the address bar and the history entry.
      history.replaceState(null, '', location.pathname + location.search);
      if (refused) ended('This invitation link cannot be used', refused);
      else void signedIn();
    });
  });
  show(`Invitation from ${vendor}`, form);
  name.focus();
}

async function signOut(): Promise<void> {
  status?.stop();
  status = undefined;
  await gql('mutation { signOut }').catch(() => undefined);
  await clearSession();
  ended('You are signed out');
}

type Tab = 'setup' | 'users' | 'groups' | 'events' | 'log';
const TABS: readonly { id: Tab; label: string }[] = [
  { id: 'setup', label: 'Setup' },
  { id: 'users', label: 'Users' },
  { id: 'groups', label: 'Groups' },
  { id: 'events', label: 'Events' },
  { id: 'log', label: 'Request log' },
];

/** Keeps the list in step with the managed directory after it was created or changed here. */
function remember(portal: Portal): void {
  const current = portal.directory;
  if (!current) return;
  const at = portal.directories.findIndex((directory) => directory.id === current.id);
  if (at === -1) portal.directories.push(current);
  else portal.directories[at] = current;
}

/** The directory picker, when the organization has more than one: switching redraws the dashboard. */
function directoryPicker(portal: Portal): HTMLElement | null {
  if (portal.directories.length < 2) return null;
  const select = h(
    'select',
    { id: 'directory-picker', 'data-testid': 'directory-picker' },
    ...portal.directories.map((directory) =>
      h(
        'option',
        { value: directory.id, selected: directory.id === portal.directory?.id },
        `${directory.name} (${providerName(directory.provider)})`,
      ),
    ),
  );
  select.addEventListener('change', () => {
    portal.directory = portal.directories.find((directory) => directory.id === select.value) ?? portal.directory;
    portal.token = null; // a token shown for another directory is not this one's
    dashboard(portal);
    announce(`Showing ${portal.directory?.name ?? 'the directory'}.`);
  });
  return h('p', { class: 'picker' }, h('label', { for: 'directory-picker' }, 'Directory'), select);
}

function dashboard(portal: Portal): void {
  remember(portal);
  const events: PortalEvent[] = [];
  const body = h('div', {});
  let tab: Tab = 'setup';
  const nav = h('nav', { 'aria-label': 'Sections' });
  const context = { directoryId: portal.directory?.id ?? '', sessionEnded };
  const draw = () => {
    replace(
      nav,
      h(
        'ul',
        { class: 'tabs' },
        TABS.filter(({ id }) => id === 'setup' || portal.directory).map(({ id, label }) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                'data-testid': `tab-${id}`,
                'aria-current': id === tab ? 'page' : false,
                'aria-pressed': String(id === tab),
                onclick: () => {
                  tab = id;
                  draw();
                },
              },
              label,
            ),
          ),
        ),
      ),
    );
    if (tab === 'setup')
      replace(body, setupView(portal, { directoryChanged: () => dashboard(portal), sessionEnded, announce }));
    else if (tab === 'users') replace(body, usersView(context));
    else if (tab === 'groups') replace(body, groupsView(context));
    else if (tab === 'events') replace(body, eventsView(context, events));
    else replace(body, requestLogView(context));
  };
  status?.stop();
  status = portal.directory
    ? statusPanel(portal.directory, { onEvent: (event) => events.push(event), onSessionEnded: sessionEnded })
    : undefined;
  draw();
  show(
    `Connect ${portal.organization.name} to ${vendor}`,
    h(
      'p',
      {},
      `${vendor} invited you to set up directory sync for `,
      h('strong', {}, portal.organization.name),
      '. Your identity provider sends users and groups to the SCIM endpoint below; they reach ',
      vendor,
      ' at once.',
    ),
    directoryPicker(portal),
    status?.element ?? null,
    nav,
    body,
  );
}

async function signedIn(): Promise<void> {
  try {
    const { viewer } = await gql<{
      viewer: {
        admin: Portal['admin'];
        organization: Portal['organization'] & { directories: { edges: { node: Directory }[] } };
      };
    }>(VIEWER);
    const signOutButton = h('button', { type: 'button', 'data-testid': 'sign-out' }, 'Sign out');
    signOutButton.addEventListener('click', () => void signOut());
    replace(
      who,
      h('span', {}, 'Organization: ', h('strong', { 'data-testid': 'organization' }, viewer.organization.name)),
      h('span', {}, viewer.admin.name ?? viewer.admin.email),
      signOutButton,
    );
    const directories = viewer.organization.directories.edges.map(({ node }) => node);
    dashboard({
      vendor,
      admin: viewer.admin,
      organization: { id: viewer.organization.id, name: viewer.organization.name },
      directories,
      directory: directories[0] ?? null,
      token: null,
    });
  } catch (error) {
    // No session at all (the server's generic message is for API clients): say only what to do.
    if (error instanceof SessionEnded && error.message.startsWith('A valid ')) ended('You are not signed in');
    else if (error instanceof SessionEnded) ended('Your session has ended', error.message);
    else ended('Something went wrong', error instanceof Error ? error.message : undefined);
  }
}

const invitation = /^#invitation=(.+)$/.exec(location.hash)?.[1];
if (invitation) acceptScreen(decodeURIComponent(invitation));
else void signedIn();
