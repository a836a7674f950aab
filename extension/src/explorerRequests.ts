// Answers the explorer webview's messages: tool calls through the shared server connection, editor actions through
// the vscode API (explorerView.ts). No vscode import, so the webview tests drive exactly this code.
import { parseWebviewRequest, type ExplorerCommand, type HostReply } from '../../webview/src/protocol';
import type { ExplorerLog, ToolCaller } from './serverConnection';

/** What only the editor can do for the webview; explorerView.ts implements it with the vscode API. */
export interface ExplorerHostActions {
  copy(text: string, label: string): Promise<void>;
  openDockerfile(content: string): Promise<void>;
  openLink(url: string): Promise<void>;
  runCommand(command: ExplorerCommand): Promise<void>;
  viewChanged(canGoBack: boolean): Promise<void>;
}

/**
 * Answers one message from the webview. The message is untrusted: it is validated first, and anything malformed
 * or unknown gets an error reply naming the problem. This function never throws.
 */
export function createRequestHandler(
  tools: ToolCaller,
  host: ExplorerHostActions,
  log: ExplorerLog,
): (raw: unknown) => Promise<HostReply> {
  return async (raw) => {
    const parsed = parseWebviewRequest(raw);
    if (!parsed.ok) {
      log.warn(`explorer: rejected a message from the webview: ${parsed.message}`);
      return { type: 'reply', id: parsed.id, ok: false, error: { code: 'PROTOCOL', message: parsed.message } };
    }
    const request = parsed.request;
    try {
      switch (request.type) {
        case 'callTool': {
          const outcome = await tools.callTool(request.tool, request.args);
          return outcome.ok
            ? { type: 'reply', id: request.id, ok: true, value: outcome.value }
            : { type: 'reply', id: request.id, ok: false, error: outcome.error };
        }
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
          await host.runCommand(request.command);
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
}
