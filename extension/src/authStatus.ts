import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { TokenStore } from './secrets';
import { readServerSettings } from './settings';

export type AuthState =
  | { kind: 'anonymous' }
  /** A token is stored but no username is set: the server cannot use it. */
  | { kind: 'incomplete' }
  | { kind: 'configured'; username: string }
  | { kind: 'verified'; username: string }
  | { kind: 'rejected'; username: string; reason: string };

/** Whether the server runs anonymously or as someone, in the status bar; the token itself is never shown. */
export class AuthStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('dockerhubMcp.authStatus', vscode.StatusBarAlignment.Right, 100);
  private current: AuthState = { kind: 'anonymous' };
  /**
   * The outcome of the last check against Docker Hub, for the username and token it was made with (a digest, held
   * in memory only, to tell whether the stored token is still the one checked).
   */
  private lastCheck?: { username: string; tokenDigest: string; accepted: boolean; reason?: string };

  constructor(private readonly tokens: TokenStore) {
    this.item.name = 'Docker Hub MCP authentication';
    this.item.command = 'dockerhubMcp.showAuthStatus';
  }

  get state(): AuthState {
    return this.current;
  }

  /** Records a check against Docker Hub; it holds until the token or the username changes. */
  recordCheck(username: string, token: string, outcome: { accepted: boolean; reason?: string }): Promise<AuthState> {
    this.lastCheck = { username, tokenDigest: digest(token), ...outcome };
    return this.refresh();
  }

  async refresh(): Promise<AuthState> {
    const token = await this.tokens.get();
    const username = readServerSettings().username;
    const check = token && this.lastCheck?.username === username && this.lastCheck.tokenDigest === digest(token) ? this.lastCheck : undefined;
    if (!token) this.current = { kind: 'anonymous' };
    else if (!username) this.current = { kind: 'incomplete' };
    else if (check?.accepted) this.current = { kind: 'verified', username };
    else if (check) this.current = { kind: 'rejected', username, reason: check.reason ?? '' };
    else this.current = { kind: 'configured', username };
    this.render();
    return this.current;
  }

  private render(): void {
    const state = this.current;
    switch (state.kind) {
      case 'anonymous':
        this.item.text = '$(cloud) Docker Hub: anonymous';
        this.item.tooltip = 'Docker Hub MCP runs anonymously: public images only, with the anonymous pull limit. Click to set an access token.';
        this.item.backgroundColor = undefined;
        break;
      case 'incomplete':
        this.item.text = '$(warning) Docker Hub: no username';
        this.item.tooltip = 'An access token is stored but no Docker ID goes with it, so Docker Hub is used anonymously. Click to set the token again with its Docker ID.';
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      case 'configured':
        this.item.text = `$(account) Docker Hub: ${state.username}`;
        this.item.tooltip = `Docker Hub MCP uses the access token stored for "${state.username}". Click to verify it.`;
        this.item.backgroundColor = undefined;
        break;
      case 'verified':
        this.item.text = `$(pass) Docker Hub: ${state.username}`;
        this.item.tooltip = `Docker Hub accepted the access token of "${state.username}".`;
        this.item.backgroundColor = undefined;
        break;
      case 'rejected':
        this.item.text = `$(error) Docker Hub: ${state.username}`;
        this.item.tooltip = `Docker Hub refused the stored access token: ${state.reason}`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
