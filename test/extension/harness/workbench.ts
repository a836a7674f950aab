import type { Frame, Page } from 'playwright-core';

/** The workbench in Chromium, driven as a person would: the command palette, quick picks, the panel. */
export class Workbench {
  constructor(readonly page: Page) {}

  async open(url: string, workspace: string): Promise<void> {
    await this.page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.part.statusbar').waitFor({ timeout: 60_000 });
  }

  /** Runs a command by its palette title, e.g. "MCP: List Servers". */
  async runCommand(title: string): Promise<void> {
    await this.closeQuickInput();
    await this.page.keyboard.press('F1');
    await this.quickInput.waitFor({ state: 'visible', timeout: 10_000 });
    await this.choose(`>${title}`, title, 10_000);
  }

  /** Like runCommand, for a title that another command's title contains too (the first row may be the other one). */
  async runCommandAmong(title: string): Promise<void> {
    await this.closeQuickInput();
    await this.page.keyboard.press('F1');
    await this.quickInput.waitFor({ state: 'visible', timeout: 10_000 });
    await this.quickInput.locator('input.input').fill(`>${title}`);
    await this.pick(title, 10_000);
  }

  /**
   * In the open quick pick, moves the selection to the row that contains `label` and accepts it. By keyboard, as a
   * person does: some pickers have no filter box, and clicking races the list's re-rendering.
   */
  async pick(label: string, timeoutMs = 15_000): Promise<void> {
    await this.quickInput.locator('.monaco-list-row', { hasText: label }).filter({ visible: true }).first().waitFor({ timeout: timeoutMs });
    const focused = this.quickInput.locator('.monaco-list-row.focused').filter({ visible: true });
    for (let step = 0; step < 50; step++) {
      if ((await focused.filter({ hasText: label }).count()) > 0) {
        await this.page.keyboard.press('Enter');
        return;
      }
      await this.page.keyboard.press('ArrowDown');
    }
    throw new Error(`no row "${label}" could be selected in the quick pick`);
  }

  /** Types `label` into the open quick pick's filter and accepts the row it leaves selected. */
  async chooseInQuickPick(label: string, timeoutMs = 10_000): Promise<void> {
    await this.quickInput.waitFor({ state: 'visible', timeout: timeoutMs });
    await this.choose(label, label, timeoutMs);
  }

  private async choose(filter: string, label: string, timeoutMs: number): Promise<void> {
    const input = this.quickInput.locator('input.input');
    await input.fill(filter);
    const row = this.quickInput.locator('.monaco-list-row.focused', { hasText: label }).filter({ visible: true }).first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    await input.press('Enter');
  }

  // Only the open one: the workbench keeps closed quick inputs, with their stale rows, in the page.
  private get quickInput() {
    return this.page.locator('.quick-input-widget').filter({ visible: true });
  }

  /** Types into the open input box (e.g. one from showInputBox) and accepts it. */
  async answerInputBox(text: string, expectedPrompt: RegExp): Promise<void> {
    const widget = this.quickInput.filter({ hasText: expectedPrompt });
    await widget.waitFor({ state: 'visible', timeout: 10_000 });
    const input = widget.locator('input.input');
    await input.fill(text);
    // validateInput runs in the extension host: Enter before its answer for the new text meets the old answer
    // (an empty box's "paste a token") and is ignored.
    await widget.locator('.monaco-inputbox.error, .monaco-inputbox.warning').waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
    await input.press('Enter');
    // Enter that still met the previous text's validation answer is ignored by VS Code: the box stays; press again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const closed = await widget.waitFor({ state: 'hidden', timeout: 1_500 }).then(() => true, () => false);
      if (closed) return;
      await input.press('Enter');
    }
  }

  async closeQuickInput(): Promise<void> {
    if ((await this.quickInput.count()) > 0) await this.page.keyboard.press('Escape');
  }

  /** The text of the output channel shown in the panel. */
  async outputText(): Promise<string> {
    return (await this.page.locator('.part.panel .monaco-editor .view-lines').first().innerText().catch(() => '')).replace(/\u00a0/g, ' ');
  }

  /**
   * Waits until the output seen so far satisfies `predicate`. The panel renders only the lines in view, so every
   * line seen while polling is kept.
   */
  async waitForOutput(predicate: (text: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    const seen: string[] = [];
    for (;;) {
      for (const line of (await this.outputText()).split('\n')) if (!seen.includes(line)) seen.push(line);
      const text = seen.join('\n');
      if (predicate(text)) return text;
      if (Date.now() > deadline) throw new Error(`the output panel did not show what was expected within ${timeoutMs} ms; it showed:\n${text}`);
      await this.page.waitForTimeout(500);
    }
  }

  /** The frame of the webview showing `selector` (a webview's page sits in an iframe inside an iframe). */
  async webviewFrame(selector: string, timeoutMs: number): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of this.page.frames()) {
        if ((await frame.locator(selector).count().catch(() => 0)) > 0) return frame;
      }
      if (Date.now() > deadline) throw new Error(`no webview shows ${selector} within ${timeoutMs} ms`);
      await this.page.waitForTimeout(500);
    }
  }

  statusBarItem(text: string | RegExp) {
    return this.page.locator('.part.statusbar .statusbar-item', { hasText: text }).first();
  }

  /**
   * Waits for a notification in the notification centre (headless, the workbench does not always pop toasts up),
   * then hides the centre again.
   */
  async waitForNotification(text: string | RegExp, timeoutMs = 15_000): Promise<void> {
    await this.runCommand('Notifications: Show Notifications');
    const item = this.page.locator('.notifications-center .notification-list-item', { hasText: text }).first();
    try {
      await item.waitFor({ timeout: timeoutMs });
    } catch (err) {
      const shown = await this.page.locator('.notifications-center .notification-list-item').allInnerTexts().catch(() => []);
      throw new Error(`no notification matched ${text} within ${timeoutMs} ms; the centre held: ${JSON.stringify(shown)}`, { cause: err });
    } finally {
      await this.page.locator('.notifications-center [aria-label^="Hide Notifications"]').first().click();
      await this.page.locator('.notifications-center').filter({ visible: true }).waitFor({ state: 'detached', timeout: 5_000 });
    }
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path });
  }
}
