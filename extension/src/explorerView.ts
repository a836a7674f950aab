// The explorer's WebviewView: the page, the editor actions its messages ask for, and what the extension tells it
// (title-bar buttons, a search to show, a changed login or setting). Tool calls go through the window's one server
// connection, to the same tools Copilot calls.
import * as vscode from 'vscode';
import { explorerHtml } from '../../webview/src/page';
import type { ExplorerCommand, HostEvent } from '../../webview/src/protocol';
import type { Route } from '../../webview/src/state';
import { createRequestHandler, type ExplorerHostActions } from './explorerRequests';
import type { ExplorerLog, ToolCaller } from './serverConnection';

export const EXPLORER_VIEW_ID = 'dockerhubMcp.explorer';
/** Context key for the view's Back button. */
const CAN_GO_BACK = 'dockerHub.explorer.canGoBack';

const COMMAND_IDS: Record<ExplorerCommand, string> = {
  setToken: 'dockerhubMcp.setToken',
  showLog: 'dockerhubMcp.showServerLog',
  addRegistryCredentials: 'dockerhubMcp.addRegistryCredentials',
  removeRegistryCredentials: 'dockerhubMcp.removeRegistryCredentials',
};

export class ExplorerViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view?: vscode.WebviewView;
  /** Events for a page not yet shown, or not yet listening: sent when it says it is. */
  private pending: HostEvent[] = [];
  private listening = false;
  private readonly actions: ExplorerHostActions;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly connection: ToolCaller,
    private readonly log: ExplorerLog,
  ) {
    this.actions = {
      async copy(text, label) {
        await vscode.env.clipboard.writeText(text);
        vscode.window.setStatusBarMessage(`Copied ${label}`, 3000);
      },
      async openDockerfile(content) {
        const document = await vscode.workspace.openTextDocument({ language: 'dockerfile', content });
        await vscode.window.showTextDocument(document, { preview: false });
      },
      async openLink(url) {
        // openExternal asks the person before leaving for a site not yet trusted.
        await vscode.env.openExternal(vscode.Uri.parse(url, true));
      },
      async runCommand(command, registry) {
        await (registry === undefined ? vscode.commands.executeCommand(COMMAND_IDS[command]) : vscode.commands.executeCommand(COMMAND_IDS[command], registry));
      },
      viewChanged: async (canGoBack) => {
        // The page's first message: from now on it hears what is posted to it.
        this.listening = true;
        await vscode.commands.executeCommand('setContext', CAN_GO_BACK, canGoBack);
        this.flush();
      },
    };
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.listening = false;
    const assets = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const webview = view.webview;
    webview.options = { enableScripts: true, enableForms: false, localResourceRoots: [assets] };
    const uri = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(assets, file)).toString();
    webview.html = explorerHtml({
      cspSource: webview.cspSource,
      scriptUri: uri('main.js'),
      styleUri: uri('styles.css'),
      codiconUri: uri('codicon.css'),
    });
    // One handler per page: a page loaded anew numbers its requests from 1 again.
    let handle = createRequestHandler(this.connection, this.actions, this.log);
    // The view may have been closed while the server answered.
    const postToPage = (message: unknown) => void Promise.resolve(webview.postMessage(message)).catch(() => undefined);
    const subscription = webview.onDidReceiveMessage(async (raw: unknown) => postToPage(await handle(raw, postToPage)));
    // A hidden view's page is unloaded; shown again, it starts anew and says so.
    const visibility = view.onDidChangeVisibility(() => {
      if (view.visible) return;
      this.listening = false;
      // Nobody waits for what the unloaded page asked (a layer download stops).
      handle.cancelAll();
      handle = createRequestHandler(this.connection, this.actions, this.log);
    });
    view.onDidDispose(() => {
      handle.cancelAll();
      subscription.dispose();
      visibility.dispose();
      if (this.view === view) this.view = undefined;
    });
  }

  /** Shows the view (in whichever container the person keeps it) with `route`. */
  async show(route: Route): Promise<void> {
    this.post({ type: 'navigate', route });
    await vscode.commands.executeCommand(`${EXPLORER_VIEW_ID}.focus`);
  }

  back(): void {
    this.post({ type: 'back' });
  }

  /** The login or a setting changed: what the view shows may be stale (an error fixed, a repository now visible). */
  refresh(): void {
    // A page not shown yet will load fresh anyway.
    if (this.view && this.listening) this.post({ type: 'refresh' });
  }

  private post(event: HostEvent): void {
    this.pending.push(event);
    this.flush();
  }

  private flush(): void {
    const view = this.view;
    if (!view || !this.listening) return;
    const events = this.pending;
    this.pending = [];
    for (const event of events) void Promise.resolve(view.webview.postMessage(event)).catch(() => undefined);
  }

  dispose(): void {
    this.view = undefined;
  }
}

export function registerExplorerView(context: vscode.ExtensionContext, connection: ToolCaller, log: ExplorerLog): { provider: ExplorerViewProvider; registration: vscode.Disposable } {
  const provider = new ExplorerViewProvider(context.extensionUri, connection, log);
  // No retainContextWhenHidden: the page keeps its view state with setState and asks again when shown.
  const registration = vscode.Disposable.from(vscode.window.registerWebviewViewProvider(EXPLORER_VIEW_ID, provider), provider);
  return { provider, registration };
}
