// Which registries the server reads as whom: every registry with credentials (VS Code, Docker's config.json, a
// credential helper) or already asked, from docker_check_rate_limit's `registries`. Never a secret: the server's
// answer holds none. The buttons run the commands that change them; the view reloads when they do.
import type { RateLimit } from '../../../server/src/contract';
import { button, fill, h, icon, section, type ViewContext } from '../ui';

type RegistryIdentity = RateLimit['registries'][number];

/** Registries signed in and how, with the buttons that add, remove or set credentials. */
export function signInsSection(context: ViewContext): HTMLElement {
  const body = h('div');
  fill(body, context, 'Reading which registries are signed in…', () => context.host.callTool('docker_check_rate_limit', {}), ({ structured }) => signInList(structured, context));
  return section(
    'Registry sign-ins',
    body,
    h(
      'div',
      { class: 'actions' },
      button({ label: 'Add Registry Credentials', icon: 'add', secondary: true, onClick: () => void context.host.runCommand('addRegistryCredentials') }),
    ),
  );
}

function signInList(result: RateLimit, context: ViewContext): HTMLElement {
  // Docker Hub is always listed: it is where the explorer searches, signed in or not.
  const registries = result.registries.some((entry) => entry.registry === result.identity.registry) ? result.registries : [result.identity, ...result.registries];
  return h(
    'ul',
    { class: 'plain-list sign-ins', 'aria-label': 'Registries and how they are signed in' },
    registries.map((entry) => signInRow(entry, context)),
  );
}

function signInRow(entry: RegistryIdentity, context: ViewContext): HTMLElement {
  const signedIn = entry.as === 'account';
  const source = sourceWords(entry.source);
  const dockerHub = entry.registry === 'docker.io';
  return h(
    'li',
    { class: 'sign-in', 'data-registry': entry.registry, 'data-signed-in': String(signedIn) },
    icon(signedIn ? 'pass' : 'circle-large-outline', 'sign-in-icon'),
    h(
      'div',
      { class: 'sign-in-body' },
      h('span', { class: 'sign-in-registry' }, dockerHub ? 'Docker Hub (docker.io)' : entry.registry),
      h(
        'span',
        { class: 'sign-in-as muted', title: entry.source ?? undefined },
        signedIn ? (entry.username ? `as ${entry.username}${source ? `, from ${source}` : ''}` : `credentials from ${source || 'an identity token'}`) : 'anonymous',
      ),
      entry.problem ? h('span', { class: 'sign-in-problem' }, icon('warning'), `Credentials not used: ${entry.problem}`) : null,
    ),
    h(
      'span',
      { class: 'sign-in-actions' },
      dockerHub
        ? button({ label: 'Set Access Token', icon: 'key', iconOnly: true, onClick: () => void context.host.runCommand('setToken') })
        : null,
      entry.source === VS_CODE_STORE
        ? button({
            label: `Remove Registry Credentials of ${entry.registry}`,
            icon: 'trash',
            iconOnly: true,
            onClick: () => void context.host.runCommand('removeRegistryCredentials', entry.registry),
          })
        : null,
    ),
  );
}

/** What the server calls the credentials VS Code hands it (Add Registry Credentials). */
const VS_CODE_STORE = 'VS Code secret storage';

/** The server names a source for every reader of its answers; in VS Code it is said the way its users set it. */
function sourceWords(source: string | null): string {
  if (!source) return '';
  if (source === VS_CODE_STORE) return 'VS Code';
  // In the extension the Hub token only ever comes from Set Access Token.
  if (source === 'DOCKERHUB_TOKEN') return 'VS Code (access token)';
  const helper = /^(?:credHelpers|credsStore) \((docker-credential-[^)]+)\) in /.exec(source);
  if (helper) return `credential helper ${helper[1]}`;
  if (source.startsWith('auths in ')) return "Docker's config.json";
  return source;
}
