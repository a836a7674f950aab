// The explorer's WebviewView in the Explorer sidebar: the page, and the editor actions its messages ask for. Tool
// calls go through ExplorerClient to the bundled server, the same tools Copilot calls.
import * as vscode from 'vscode';
import { explorerHtml } from '../../webview/src/page';
import { createRequestHandler, ExplorerClient, type ExplorerHostActions } from './explorerClient';

export const EXPLORER_VIEW_ID = 'dockerhubMcp.explorer';

export interface ExplorerViewOptions {
  serverEnvironment: () => Promise<Record<string, string>>;
  serverScript: string;
  log: vscode.LogOutputChannel;
  /** Fires when the token or a server setting changed: the running server must give way to one with the new environment. */
  onDidChangeServerEnvironment: vscode.Event<void>;
}

export function registerExplorerView(context: vscode.ExtensionContext, options: ExplorerViewOptions): vscode.Disposable {
  const client = new ExplorerClient({ command: process.execPath, args: [options.serverScript], environment: options.serverEnvironment }, options.log);
  const provider = new ExplorerViewProvider(context.extensionUri, client, options.log);
  // No retainContextWhenHidden: the page keeps its view state with setState and asks again when shown.
  const registration = vscode.window.registerWebviewViewProvider(EXPLORER_VIEW_ID, provider);
  const restarts = options.onDidChangeServerEnvironment(() => void client.restart());
  return vscode.Disposable.from(registration, restarts, { dispose: () => void client.dispose() });
}

const editorActions: ExplorerHostActions = {
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
};

class ExplorerViewProvider implements vscode.WebviewViewProvider {
  private readonly handle: (raw: unknown) => Promise<unknown>;

  constructor(
    private readonly extensionUri: vscode.Uri,
    client: ExplorerClient,
    log: vscode.LogOutputChannel,
  ) {
    this.handle = createRequestHandler(client, editorActions, log);
  }

  resolveWebviewView(view: vscode.WebviewView): void {
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
    const subscription = webview.onDidReceiveMessage(async (raw: unknown) => {
      const reply = await this.handle(raw);
      // The view may have been closed while the server answered.
      await Promise.resolve(webview.postMessage(reply)).catch(() => undefined);
    });
    view.onDidDispose(() => subscription.dispose());
  }
}
