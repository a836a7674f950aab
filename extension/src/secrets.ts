import * as vscode from 'vscode';

/** The SecretStorage key of the Docker Hub access token. */
export const TOKEN_SECRET_KEY = 'dockerhubMcp.accessToken';

/** The access token in VS Code's SecretStorage (the OS keychain on desktop); the only place it is kept. */
export class TokenStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the token is stored or deleted, in this window or another one. May fire twice for one change. */
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((event) => {
      if (event.key === TOKEN_SECRET_KEY) this.changed.fire();
    });
  }

  async get(): Promise<string | undefined> {
    const token = await this.secrets.get(TOKEN_SECRET_KEY);
    return token ? token : undefined;
  }

  store(token: string): Thenable<void> {
    return this.secrets.store(TOKEN_SECRET_KEY, token.trim());
  }

  delete(): Thenable<void> {
    return this.secrets.delete(TOKEN_SECRET_KEY);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
