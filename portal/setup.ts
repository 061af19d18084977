import { ApiError, gql, SessionEnded } from './api.js';
import { h, inlineMarkdown, replace } from './dom.js';
import { DIRECTORY_FIELDS, providerName, PROVIDERS, type Directory, type Portal, type Provider } from './model.js';

export interface SetupContext {
  /** The directory was created or its provider changed: everything that depends on it is drawn again. */
  readonly directoryChanged: () => void;
  readonly sessionEnded: (reason: string) => void;
  /** Says `text` to screen readers (a polite live region). */
  readonly announce: (text: string) => void;
}

interface Guide {
  readonly title: string;
  readonly steps: { title: string; body: string; values: { label: string; value: string }[] }[];
}

const GUIDE_QUERY = /* GraphQL */ `
  query Guide($provider: DirectoryProvider!, $directoryId: ID) {
    setupGuide(provider: $provider, directoryId: $directoryId) {
      title
      steps {
        title
        body
        values {
          label
          value
        }
      }
    }
  }
`;

const CREATE = `mutation Create($input: CreateDirectoryInput!) {
  createDirectory(input: $input) { token directory { ${DIRECTORY_FIELDS} } } }`;
const UPDATE = `mutation Update($id: ID!, $input: UpdateDirectoryInput!) {
  updateDirectory(id: $id, input: $input) { token directory { ${DIRECTORY_FIELDS} } } }`;
const ROTATE = `mutation Rotate($id: ID!) { rotateDirectoryToken(id: $id) { token directory { ${DIRECTORY_FIELDS} } } }`;

/** A read-only value with a label and a Copy button. */
function copyField(id: string, label: string, value: string, testId: string, announce: (text: string) => void) {
  const input = h('input', { id, readonly: true, 'data-testid': testId, spellcheck: 'false', autocomplete: 'off' });
  input.value = value;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      input.select();
      document.execCommand('copy');
    }
    announce(`${label} copied`);
  };
  return h(
    'div',
    {},
    h('label', { for: id }, label),
    h(
      'div',
      { class: 'field' },
      input,
      h('button', { type: 'button', 'aria-label': `Copy ${label}`, onclick: () => void copy() }, 'Copy'),
    ),
  );
}

/**
 * Step by step: pick the identity provider (creating the organization's directory, or changing its provider,
 * which issues a new token), then the SCIM base URL and token to paste, and the provider's own guide.
 */
export function setupView(portal: Portal, context: SetupContext): HTMLElement {
  const errors = h('p', { class: 'error', role: 'alert' });
  const fail = (error: unknown) => {
    if (error instanceof SessionEnded) return context.sessionEnded(error.message);
    errors.textContent = error instanceof ApiError ? error.message : 'Something went wrong; try again.';
  };
  const busy = (buttons: HTMLButtonElement[], on: boolean) => buttons.forEach((button) => (button.disabled = on));

  const choose = async (provider: Provider, buttons: HTMLButtonElement[]) => {
    const current = portal.directory;
    if (current?.provider === provider) return;
    busy(buttons, true);
    try {
      if (!current) {
        const data = await gql<{ createDirectory: { token: string; directory: Directory } }>(CREATE, {
          input: { organizationId: portal.organization.id, name: `${providerName(provider)} directory`, provider },
        });
        portal.directory = data.createDirectory.directory;
        portal.token = data.createDirectory.token;
      } else {
        const data = await gql<{ updateDirectory: { token: string | null; directory: Directory } }>(UPDATE, {
          id: current.id,
          input: { provider },
        });
        portal.directory = data.updateDirectory.directory;
        portal.token = data.updateDirectory.token ?? portal.token;
      }
      context.announce(`${providerName(provider)} chosen. The SCIM base URL and a new secret token are shown below.`);
      context.directoryChanged();
    } catch (error) {
      busy(buttons, false);
      fail(error);
    }
  };

  const buttons: HTMLButtonElement[] = [];
  for (const { id, name } of PROVIDERS) {
    const button = h(
      'button',
      {
        type: 'button',
        'data-testid': `provider-${id}`,
        'aria-pressed': String(portal.directory?.provider === id),
      },
      name,
    );
    button.addEventListener('click', () => void choose(id, buttons));
    buttons.push(button);
  }

  const view = h(
    'div',
    {},
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'provider-title' },
      h('h2', { id: 'provider-title' }, '1. Choose your identity provider'),
      portal.directory
        ? h('p', { class: 'muted' }, 'Choosing another provider issues a new token: the current one stops working.')
        : h('p', {}, 'This creates the SCIM endpoint your identity provider will send users and groups to.'),
      h('div', { class: 'providers', role: 'group', 'aria-label': 'Identity provider' }, buttons),
    ),
    errors,
  );
  const directory = portal.directory;
  if (!directory) return view;

  const tokenSection = h('div', {});
  const drawToken = () => {
    const rotate = h(
      'button',
      { type: 'button', 'data-testid': 'rotate-token' },
      portal.token ? 'Rotate token' : 'Rotate token to get a new one',
    );
    rotate.addEventListener('click', () => {
      rotate.disabled = true;
      gql<{ rotateDirectoryToken: { token: string; directory: Directory } }>(ROTATE, { id: directory.id })
        .then((data) => {
          portal.token = data.rotateDirectoryToken.token;
          portal.directory = data.rotateDirectoryToken.directory;
          drawToken();
          context.announce('A new secret token was issued; the previous one no longer works.');
        })
        .catch((error: unknown) => {
          rotate.disabled = false;
          fail(error);
        });
    });
    replace(
      tokenSection,
      portal.token
        ? [
            copyField('scim-token', 'Secret token', portal.token, 'scim-token', context.announce),
            h(
              'p',
              { class: 'note' },
              h('strong', {}, 'Copy the token now: you will not see it again. '),
              'dsync keeps only a fingerprint of it. If it is lost, rotate the token to get a new one.',
            ),
          ]
        : h(
            'p',
            { class: 'note' },
            `The secret token (it starts with ${directory.tokenPrefix}…) was shown once, when it was issued. `,
            'Rotate the token to get a new one.',
          ),
      h('p', {}, rotate, ' ', h('span', { class: 'muted' }, 'Rotating stops the current token at once.')),
    );
  };
  drawToken();

  const guide = h('div', {}, h('p', {}, 'Loading the guide…'));
  view.append(
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'details-title' },
      h('h2', { id: 'details-title' }, '2. Connection details'),
      copyField('scim-base-url', 'SCIM base URL', directory.scimBaseUrl, 'scim-base-url', context.announce),
      tokenSection,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'guide-title' },
      h('h2', { id: 'guide-title' }, `3. Set up ${providerName(directory.provider)}`),
      guide,
    ),
  );
  gql<{ setupGuide: Guide }>(GUIDE_QUERY, { provider: directory.provider, directoryId: directory.id })
    .then(({ setupGuide }) =>
      replace(
        guide,
        h('p', {}, setupGuide.title),
        h(
          'ol',
          { class: 'steps' },
          setupGuide.steps.map((step) =>
            h(
              'li',
              {},
              h('h3', {}, step.title),
              step.body.split(/\n{2,}/).map((paragraph) => h('p', {}, inlineMarkdown(paragraph))),
              step.values.length > 0 &&
                h(
                  'dl',
                  { class: 'values' },
                  step.values.flatMap((value) => [h('dt', {}, value.label), h('dd', {}, h('code', {}, value.value))]),
                ),
            ),
          ),
        ),
      ),
    )
    .catch(fail);
  return view;
}
