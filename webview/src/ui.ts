// Small DOM building blocks shared by the views: elements, codicons, buttons, and the loading / empty / error
// states. Text always goes in as text nodes; the only HTML parsed anywhere is the sanitised README (markdown.ts).
import { formatBytes, timeAgo } from '../../server/src/contract';
import { HostError, type CallProgress, type Host } from './host';
import type { ReplyErrorCode } from './protocol';
import type { Navigation } from './state';

export type Child = Node | string | number | false | null | undefined | Child[];
type AttributeValue = string | number | boolean | undefined | null;
type EventHandlers = Partial<Record<keyof HTMLElementEventMap, (event: any) => void>>;
export type Attributes = { [name: string]: AttributeValue | EventHandlers; on?: EventHandlers };

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes?: Attributes | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (name === 'on') {
      for (const [type, listener] of Object.entries(value as Record<string, EventListener>)) element.addEventListener(type, listener);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else if (value !== false && value !== undefined && value !== null) {
      element.setAttribute(name, String(value));
    }
  }
  element.append(...nodes(children));
  return element;
}

export function nodes(children: Child[]): Node[] {
  return children.flat(Infinity as 1).flatMap((child: Child) => {
    if (child === null || child === undefined || child === false) return [];
    if (child instanceof Node) return [child];
    return [document.createTextNode(String(child))];
  });
}

export function icon(name: string, extraClass = ''): HTMLElement {
  return h('span', { class: `codicon codicon-${name} ${extraClass}`.trim(), 'aria-hidden': 'true' });
}

export interface ButtonOptions {
  label: string;
  icon?: string;
  /** Icon-only buttons still carry their label for screen readers and as a tooltip. */
  iconOnly?: boolean;
  secondary?: boolean;
  title?: string;
  onClick: (event: MouseEvent) => void;
  attributes?: Attributes;
}

export function button(options: ButtonOptions): HTMLButtonElement {
  const classes = options.iconOnly ? 'icon-button' : options.secondary ? 'button secondary' : 'button';
  return h(
    'button',
    {
      type: 'button',
      class: classes,
      title: options.title ?? (options.iconOnly ? options.label : undefined),
      'aria-label': options.iconOnly ? options.label : undefined,
      ...options.attributes,
      on: { click: options.onClick },
    },
    options.icon ? icon(options.icon) : null,
    options.iconOnly ? null : h('span', null, options.label),
  );
}

/** Everything a view needs: the host to ask, navigation, and a signal that says the view is no longer shown. */
export interface ViewContext {
  host: Host;
  nav: Navigation;
  signal: AbortSignal;
  announce(text: string): void;
}

export function loadingState(text: string): HTMLElement {
  return h('div', { class: 'state loading', role: 'status' }, icon('loading', 'codicon-modifier-spin'), h('span', null, text));
}

export function emptyState(text: string, ...extra: Child[]): HTMLElement {
  return h('div', { class: 'state empty' }, icon('info'), h('div', null, h('p', null, text), ...extra));
}

// Headlines in a person's words; the server's own sentence (which may name environment variables and codes meant
// for other clients) stays in the collapsed detail line.
const ERROR_TITLES: Record<ReplyErrorCode, string> = {
  INVALID_INPUT: 'That is not an image reference the explorer can read',
  NOT_FOUND: 'Not found',
  UNAUTHORIZED: 'Sign in to see this',
  FORBIDDEN: 'Your Docker Hub account has no access to this',
  CONFLICT: 'Already exists',
  RATE_LIMITED: 'Docker Hub’s pull limit is reached for now',
  TIMEOUT: 'No answer in time',
  UPSTREAM_ERROR: 'The registry or Docker Hub could not answer',
  UNSUPPORTED: 'Not available for this image',
  PROTOCOL: 'The explorer and the extension misunderstood each other',
  CANCELLED: 'Stopped before it finished',
};

const ERROR_HINTS: Record<ReplyErrorCode, string> = {
  INVALID_INPUT: 'Write it as nginx:1.27, bitnami/redis:7.2 or ghcr.io/owner/app:tag.',
  NOT_FOUND: 'Check the spelling of the name and the tag. A private repository shows only when you are signed in with access to it.',
  UNAUTHORIZED: 'Docker Hub shows this only to a signed-in account. Your access token stays in VS Code’s secret storage.',
  FORBIDDEN: 'Use an access token with read access to the repository.',
  CONFLICT: 'Something with that name already exists; choose another name or change the existing one.',
  RATE_LIMITED: 'Results already seen stay available. Signing in raises the limit.',
  TIMEOUT: 'Check the network connection (and any proxy), then retry.',
  UPSTREAM_ERROR: 'This is usually temporary: retry in a moment.',
  UNSUPPORTED: 'The other tabs may still have what you need.',
  PROTOCOL: 'Reloading the view usually clears it.',
  CANCELLED: 'Retry to start it again.',
};

export function errorCode(error: unknown): ReplyErrorCode {
  return error instanceof HostError ? error.code : 'UPSTREAM_ERROR';
}

export interface ErrorStateOptions {
  retry?: () => void;
  /** For a sign-in card: what signing in shows, e.g. "vulnerabilities". */
  subject?: string;
  host?: Host;
}

/**
 * A failure as a person meets it: a headline, what to do next with the button that does it, and the code and the
 * server's sentence in a detail line (also in the extension's log).
 */
export function errorState(error: unknown, options: ErrorStateOptions = {}): HTMLElement {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const signIn = code === 'UNAUTHORIZED' || code === 'RATE_LIMITED';
  const { host, retry } = options;
  const title = code === 'UNAUTHORIZED' && options.subject ? `Sign in to see ${options.subject}` : ERROR_TITLES[code];
  return h(
    'div',
    { class: `state ${code === 'UNAUTHORIZED' ? 'notice' : 'error'}`, role: code === 'UNAUTHORIZED' ? 'status' : 'alert', 'data-code': code },
    icon(code === 'RATE_LIMITED' ? 'watch' : code === 'UNAUTHORIZED' ? 'account' : code === 'FORBIDDEN' ? 'lock' : 'error'),
    h(
      'div',
      { class: 'state-body' },
      h('p', { class: 'state-title' }, title),
      forPeople(message) && code !== 'UNAUTHORIZED' ? h('p', { class: 'state-message' }, sentence(message)) : null,
      h('p', { class: 'hint' }, ERROR_HINTS[code]),
      h(
        'div',
        { class: 'state-actions' },
        signIn && host ? button({ label: 'Set Access Token', icon: 'key', onClick: () => void host.runCommand('setToken') }) : null,
        retry ? button({ label: 'Retry', icon: 'refresh', secondary: true, onClick: retry }) : null,
        !signIn && host && (code === 'UPSTREAM_ERROR' || code === 'PROTOCOL') ? button({ label: 'Show Log', icon: 'output', secondary: true, onClick: () => void host.runCommand('showLog') }) : null,
      ),
      h('details', { class: 'state-detail' }, h('summary', null, 'Details'), h('p', null, `${code}: ${sentence(message)}`)),
    ),
  );
}

/** Whether the server's sentence reads well in VS Code: not when it names the environment variables of a CLI set-up. */
function forPeople(message: string): boolean {
  return message.trim() !== '' && !/\bDOCKERHUB_[A-Z_]+\b/.test(message);
}

/**
 * A determinate progress bar in VS Code's look, with the same figures in words beside it (bytes of total).
 * `update` moves it; screen readers hear the value through aria-valuenow / aria-valuetext.
 */
export function progressBar(label: string): { element: HTMLElement; update(progress: CallProgress): void } {
  const fillBar = h('div', { class: 'progress-fill' });
  const track = h('div', { class: 'progress-track' }, fillBar);
  const words = h('span', { class: 'progress-words' });
  const element = h('div', { class: 'progress', role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0 }, track, words);
  return {
    element,
    update({ progress, total }) {
      const known = total !== undefined && total > 0;
      const text = known ? `${formatBytes(progress)} of ${formatBytes(total)}` : formatBytes(progress);
      element.setAttribute('aria-valuenow', String(progress));
      element.setAttribute('aria-valuetext', text);
      if (known) element.setAttribute('aria-valuemax', String(total));
      else element.removeAttribute('aria-valuemax');
      // The CSSOM, not a style attribute: the page's CSP allows none.
      fillBar.style.width = known ? `${Math.min(100, (progress / total) * 100).toFixed(1)}%` : '0%';
      words.textContent = text;
    },
  };
}

/** What a load in `fill` is handed: a signal that says its result is no longer wanted, and where to report progress. */
export interface LoadRun {
  /** Aborted when the slot shows something else (another tab, a newer load) or the view is left. */
  signal: AbortSignal;
  /** Shows a progress bar below the loading words; it goes with them when the answer arrives. */
  progress(update: CallProgress): void;
}

const slotRuns = new WeakMap<HTMLElement, { number: number; controller: AbortController }>();

/** Starts a new run of `slot`: the load of the previous one is told it is no longer wanted. */
function nextRun(slot: HTMLElement): { number: number; controller: AbortController } {
  const previous = slotRuns.get(slot);
  previous?.controller.abort();
  const run = { number: (previous?.number ?? 0) + 1, controller: new AbortController() };
  slotRuns.set(slot, run);
  return run;
}

/**
 * Shows a loading state in `slot`, then what `show` makes of the result, or an error with a Retry button. Only the
 * latest load of a slot is shown, and nothing once the view was left: a slow answer cannot overwrite a newer one.
 */
export function fill<T>(
  slot: HTMLElement,
  context: ViewContext,
  loadingText: string,
  load: (run: LoadRun) => Promise<T>,
  show: (value: T) => Child,
  subject?: string,
): void {
  const run = async () => {
    const { number, controller } = nextRun(slot);
    const leave = () => controller.abort();
    context.signal.addEventListener('abort', leave, { once: true });
    const current = () => !context.signal.aborted && slotRuns.get(slot)?.number === number;
    const loading = loadingState(loadingText);
    let bar: ReturnType<typeof progressBar> | undefined;
    const progress = (update: CallProgress) => {
      if (!current()) return;
      if (!bar) {
        bar = progressBar(loadingText.replace(/…$/, ''));
        // Beside the loading words, not inside their live region, which would read every step out.
        loading.after(bar.element);
      }
      bar.update(update);
    };
    slot.replaceChildren(loading);
    slot.setAttribute('aria-busy', 'true');
    try {
      const value = await load({ signal: controller.signal, progress });
      if (current()) slot.replaceChildren(...nodes([show(value)]));
    } catch (error) {
      if (current()) slot.replaceChildren(errorState(error, { retry: () => void run(), subject, host: context.host }));
    } finally {
      context.signal.removeEventListener('abort', leave);
      if (current()) slot.removeAttribute('aria-busy');
    }
  };
  void run();
}

/** Replaces what a slot shows, and makes any load still running for it drop its result. */
export function show(slot: HTMLElement, ...children: Child[]): void {
  nextRun(slot);
  slot.removeAttribute('aria-busy');
  slot.replaceChildren(...nodes(children));
}

export function copyButton(context: ViewContext, text: string, label: string): HTMLButtonElement {
  return button({
    label: `Copy ${label}`,
    icon: 'copy',
    iconOnly: true,
    attributes: { 'data-copy': text },
    onClick: () => {
      context.host.copy(text, label).then(
        () => context.announce(`Copied ${label}`),
        (error) => context.announce(`Could not copy: ${error instanceof Error ? error.message : String(error)}`),
      );
    },
  });
}

/** A command line with a copy button, e.g. `docker pull nginx:1.27`. */
export function commandLine(context: ViewContext, command: string, label: string): HTMLElement {
  return h('div', { class: 'command-line' }, h('code', null, command), copyButton(context, command, label));
}

export function badge(text: string, kind: string, iconName?: string): HTMLElement {
  return h('span', { class: `badge badge-${kind}` }, iconName ? icon(iconName) : null, text);
}

export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'section', 'aria-label': title }, h('h3', { class: 'section-title' }, title), ...children);
}

/** Up/Down (and Home/End) move the focus between a list's items, as in VS Code's own lists. */
export function arrowNavigation(list: HTMLElement, itemSelector: string): void {
  list.addEventListener('keydown', (event: KeyboardEvent) => {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) return;
    const items = Array.from(list.querySelectorAll<HTMLElement>(itemSelector));
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (index < 0) return;
    const next =
      event.key === 'Home' ? 0 : event.key === 'End' ? items.length - 1 : event.key === 'ArrowDown' ? Math.min(index + 1, items.length - 1) : Math.max(index - 1, 0);
    items[next].focus();
    event.preventDefault();
  });
}

export function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** "3 months ago", with the exact time as the element's title. */
export function relativeTime(iso: string | null | undefined): HTMLElement {
  if (!iso) return h('span', { class: 'muted' }, 'unknown');
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return h('span', null, iso);
  return h('time', { datetime: iso, title: new Date(time).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') }, timeAgo(time, Date.now()));
}
