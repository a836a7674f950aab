// Requests to the extension and the matching of its replies. Types only from protocol.ts: zod stays out of the page.
import type { ExplorerCommand, ExplorerTool, HostEvent, HostReply, ReplyError, ReplyErrorCode, ToolArguments, ToolValue, WebviewRequest } from './protocol';
import type { ToolInputs, ToolOutputs } from '../../server/src/contract';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** A failed request, carrying the contract's code and a sentence a person can act on. */
export class HostError extends Error {
  readonly code: ReplyErrorCode;
  constructor(error: ReplyError) {
    super(error.message);
    this.code = error.code;
  }
}

type RequestBody = WebviewRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve(value: ToolValue | null): void;
  reject(error: HostError): void;
}

export class Host {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Replies that match no request (id null): the extension could not read a message; shown, not swallowed. */
  onUnmatchedError: (error: HostError) => void = () => undefined;
  /** What the extension says unasked: a title-bar button was pressed, a search to show, the login changed. */
  onEvent: (event: HostEvent) => void = () => undefined;

  constructor(readonly api: VsCodeApi) {
    window.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
  }

  static acquire(): Host {
    return new Host(acquireVsCodeApi());
  }

  async callTool<T extends ExplorerTool>(tool: T, args: ToolInputs[T]): Promise<ToolValue<ToolOutputs[T]>> {
    const value = await this.request({ type: 'callTool', tool, args: withoutUndefined(args as Record<string, unknown>) });
    if (!value) throw new HostError({ code: 'UPSTREAM_ERROR', message: `${tool} returned nothing.` });
    return value as ToolValue<ToolOutputs[T]>;
  }

  async copy(text: string, label: string): Promise<void> {
    await this.request({ type: 'copy', text, label });
  }

  async openDockerfile(content: string): Promise<void> {
    await this.request({ type: 'openDockerfile', content });
  }

  async openLink(url: string): Promise<void> {
    await this.request({ type: 'openLink', url });
  }

  async runCommand(command: ExplorerCommand): Promise<void> {
    await this.request({ type: 'runCommand', command });
  }

  async viewChanged(canGoBack: boolean): Promise<void> {
    await this.request({ type: 'viewChanged', canGoBack });
  }

  private request(body: RequestBody): Promise<ToolValue | null> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.api.postMessage({ ...body, id });
    });
  }

  private receive(data: unknown): void {
    if (isHostEvent(data)) {
      this.onEvent(data);
      return;
    }
    if (!isHostReply(data)) return;
    const pending = data.id === null ? undefined : this.pending.get(data.id);
    if (!pending) {
      if (!data.ok) this.onUnmatchedError(new HostError(data.error));
      return;
    }
    this.pending.delete(data.id as number);
    if (data.ok) pending.resolve(data.value);
    else pending.reject(new HostError(data.error));
  }
}

function isHostEvent(data: unknown): data is HostEvent {
  if (typeof data !== 'object' || data === null) return false;
  const event = data as Record<string, unknown>;
  return event.type === 'back' || event.type === 'refresh' || (event.type === 'navigate' && typeof event.route === 'object' && event.route !== null);
}

function isHostReply(data: unknown): data is HostReply {
  if (typeof data !== 'object' || data === null) return false;
  const reply = data as Record<string, unknown>;
  if (reply.type !== 'reply' || !(reply.id === null || typeof reply.id === 'number')) return false;
  if (reply.ok === true) return 'value' in reply;
  if (reply.ok !== false || typeof reply.error !== 'object' || reply.error === null) return false;
  const error = reply.error as Record<string, unknown>;
  return typeof error.code === 'string' && typeof error.message === 'string';
}

// Optional arguments left empty are left out, so the tool applies its own default.
function withoutUndefined(args: Record<string, unknown>): ToolArguments {
  return Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined && value !== '')) as ToolArguments;
}
