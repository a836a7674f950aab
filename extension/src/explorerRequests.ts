// Answers the explorer webview's messages: tool calls through the shared server connection, editor actions through
// the vscode API (explorerView.ts). No vscode import, so the webview tests drive exactly this code.
import { parseWebviewRequest, type ExplorerCommand, type HostReply, type ProgressEvent } from '../../webview/src/protocol';
import type { ExplorerLog, ToolCaller } from './serverConnection';

/** What only the editor can do for the webview; explorerView.ts implements it with the vscode API. */
export interface ExplorerHostActions {
  copy(text: string, label: string): Promise<void>;
  openDockerfile(content: string): Promise<void>;
  openLink(url: string): Promise<void>;
  /** `registry`: the host a registry command is about (Remove Registry Credentials of one row). */
  runCommand(command: ExplorerCommand, registry?: string): Promise<void>;
  viewChanged(canGoBack: boolean): Promise<void>;
}

/** Posts to the page that sent the request (the progress of its call). */
export type PageNotifier = (event: ProgressEvent) => void;

export interface RequestHandler {
  (raw: unknown, notify?: PageNotifier): Promise<HostReply>;
  /** The page is gone (hidden, reloaded): the calls it is still waiting for are cancelled. */
  cancelAll(): void;
}

/**
 * Answers one message from the webview. The message is untrusted: it is validated first, and anything malformed
 * or unknown gets an error reply naming the problem. This function never throws. One handler serves one page:
 * request ids are the page's own.
 */
export function createRequestHandler(
  tools: ToolCaller,
  host: ExplorerHostActions,
  log: ExplorerLog,
): RequestHandler {
  const running = new Map<number, AbortController>();
  const handle = async (raw: unknown, notify?: PageNotifier): Promise<HostReply> => {
    const parsed = parseWebviewRequest(raw);
    if (!parsed.ok) {
      log.warn(`explorer: rejected a message from the webview: ${parsed.message}`);
      return { type: 'reply', id: parsed.id, ok: false, error: { code: 'PROTOCOL', message: parsed.message } };
    }
    const request = parsed.request;
    try {
      switch (request.type) {
        case 'callTool': {
          const { id } = request;
          const controller = new AbortController();
          running.set(id, controller);
          try {
            const onProgress =
              request.progress && notify ? (update: { progress: number; total?: number; message?: string }) => notify({ type: 'progress', request: id, ...update }) : undefined;
            const outcome = await tools.callTool(request.tool, request.args, { signal: controller.signal, onProgress });
            return outcome.ok ? { type: 'reply', id, ok: true, value: outcome.value } : { type: 'reply', id, ok: false, error: outcome.error };
          } finally {
            running.delete(id);
          }
        }
        case 'cancel':
          running.get(request.request)?.abort();
          break;
        case 'copy':
          await host.copy(request.text, request.label);
          break;
        case 'openDockerfile':
          await host.openDockerfile(request.content);
          break;
        case 'openLink':
          await host.openLink(request.url);
          break;
        case 'runCommand':
          await host.runCommand(request.command, request.registry);
          break;
        case 'viewChanged':
          await host.viewChanged(request.canGoBack);
          break;
      }
      return { type: 'reply', id: request.id, ok: true, value: null };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      log.error(`explorer: ${request.type} failed: ${reason}`);
      return { type: 'reply', id: request.id, ok: false, error: { code: 'UPSTREAM_ERROR', message: `${request.type} failed: ${reason}` } };
    }
  };
  return Object.assign(handle, {
    cancelAll() {
      for (const controller of running.values()) controller.abort();
    },
  });
}
