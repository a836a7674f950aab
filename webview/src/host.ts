// Requests to the extension and the matching of its replies. Types only from protocol.ts: zod stays out of the page.
import type { ExplorerCommand, ExplorerTool, HostEvent, HostReply, ProgressEvent, ReplyError, ReplyErrorCode, ToolArguments, ToolValue, WebviewRequest } from './protocol';
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
  onProgress?: (update: CallProgress) => void;
}

/** How far a call has come: `progress` of `total` (bytes, for the layer tools), and the server's words. */
export type CallProgress = Omit<ProgressEvent, 'type' | 'request'>;

export interface CallOptions {
  /** Shows the call's progress; asking for it makes the extension pass the server's notifications on. */
  onProgress?: (update: CallProgress) => void;
  /** Gives up on the call: the extension cancels it at the server, and the promise rejects with CANCELLED. */
  signal?: AbortSignal;
}

export class Host {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Calls given up on: their late replies are dropped, not shown as unmatched errors. */
  private readonly abandoned = new Set<number>();
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

  async callTool<T extends ExplorerTool>(tool: T, args: ToolInputs[T], options: CallOptions = {}): Promise<ToolValue<ToolOutputs[T]>> {
    const body: RequestBody = { type: 'callTool', tool, args: withoutUndefined(args as Record<string, unknown>), ...(options.onProgress ? { progress: true } : {}) };
    const value = await this.request(body, options);
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

  /** `registry`: the host a registry command is about. */
  async runCommand(command: ExplorerCommand, registry?: string): Promise<void> {
    await this.request({ type: 'runCommand', command, ...(registry ? { registry } : {}) });
  }

  async viewChanged(canGoBack: boolean): Promise<void> {
    await this.request({ type: 'viewChanged', canGoBack });
  }

  private request(body: RequestBody, options: CallOptions = {}): Promise<ToolValue | null> {
    const id = this.nextId++;
    const { signal, onProgress } = options;
    if (signal?.aborted) return Promise.reject(cancelledError());
    return new Promise((resolve, reject) => {
      const giveUp = () => {
        if (!this.pending.delete(id)) return;
        this.abandoned.add(id);
        this.api.postMessage({ type: 'cancel', id: this.nextId++, request: id });
        reject(cancelledError());
      };
      signal?.addEventListener('abort', giveUp, { once: true });
      const settled = () => signal?.removeEventListener('abort', giveUp);
      this.pending.set(id, {
        resolve: (value) => (settled(), resolve(value)),
        reject: (error) => (settled(), reject(error)),
        onProgress,
      });
      this.api.postMessage({ ...body, id });
    });
  }

  private receive(data: unknown): void {
    if (isProgressEvent(data)) {
      const { type: _type, request, ...update } = data;
      this.pending.get(request)?.onProgress?.(update);
      return;
    }
    if (isHostEvent(data)) {
      this.onEvent(data);
      return;
    }
    if (!isHostReply(data)) return;
    if (data.id !== null && this.abandoned.delete(data.id)) return;
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

function cancelledError(): HostError {
  return new HostError({ code: 'CANCELLED', message: 'the call was given up before it answered.' });
}

function isProgressEvent(data: unknown): data is ProgressEvent {
  if (typeof data !== 'object' || data === null) return false;
  const event = data as Record<string, unknown>;
  return (
    event.type === 'progress' &&
    typeof event.request === 'number' &&
    Number.isFinite(event.progress) &&
    (event.total === undefined || Number.isFinite(event.total)) &&
    (event.message === undefined || typeof event.message === 'string')
  );
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
