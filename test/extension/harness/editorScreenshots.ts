// Pictures of the editor features for the Marketplace page (docs/images/), taken in the workbench as a person sees
// it: a Dockerfile's hover, and the quick fix of a pin its tag moved away from. Each step fails when what it
// pictures is not on screen. Between them, the hover's explorer link is followed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { CodeServer, RunFolders } from './codeServer';
import { REPO } from './suiteBundle';
import { Workbench } from './workbench';

const IMAGES = join(REPO, 'docs', 'images');
const EXAMPLE = 'example.Dockerfile';

const DOCKERFILE = [
  '# syntax=docker/dockerfile:1',
  'FROM --platform=linux/arm64 demo:1.0 AS build',
  'RUN make',
  '',
  `FROM base:1@sha256:${'0'.repeat(64)}`,
  'COPY --from=build /app /app',
  '',
].join('\n');

export async function takeEditorScreenshots(
  browser: Browser,
  server: CodeServer,
  folders: RunFolders,
  check: (title: string, body: () => Promise<void>) => Promise<void>,
): Promise<void> {
  mkdirSync(IMAGES, { recursive: true });
  writeFileSync(join(folders.workspace, EXAMPLE), DOCKERFILE);
  const context = await browser.newContext({ viewport: { width: 1200, height: 640 } });
  const workbench = new Workbench(await context.newPage());
  const page = workbench.page;
  const goTo = async (line: number, column: number) => {
    await page.keyboard.press('Control+G');
    await page.keyboard.type(`${line}:${column}`);
    await page.keyboard.press('Enter');
  };
  try {
    await check('a Dockerfile hover shows the image’s facts (docs/images/editor-hover.png)', async () => {
      await workbench.open(server.url, folders.workspace);
      // The side bar may come back showing the Docker Hub view (its own container, focused); the picture's side
      // bar is the file tree, and the file opens from it.
      await workbench.runCommand('View: Show Explorer');
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: EXAMPLE }).first().click({ timeout: 10_000 });
      await page.locator('.monaco-editor .view-line', { hasText: 'demo:1.0' }).waitFor({ timeout: 20_000 });
      // The size hint appears once the facts are in, so the hover shows them rather than "Looking this image up".
      await page.locator('.monaco-editor .view-line', { hasText: 'pushed' }).first().waitFor({ timeout: 30_000 });
      await goTo(2, 32);
      await workbench.runCommand('Show or Focus Hover');
      await page.locator('.monaco-hover', { hasText: 'index digest' }).filter({ visible: true }).waitFor({ timeout: 15_000 });
      await page.screenshot({ path: join(IMAGES, 'editor-hover.png') });
      await page.keyboard.press('Escape');
    });

    await check('the hover’s “Open in the Docker Hub explorer” link opens that tag in the explorer', async () => {
      await goTo(2, 32);
      await workbench.runCommand('Show or Focus Hover');
      const hover = page.locator('.monaco-hover', { hasText: 'index digest' }).filter({ visible: true });
      await hover.getByRole('link', { name: 'Open in the Docker Hub explorer' }).click({ timeout: 15_000 });
      const explorer = await workbench.webviewFrame('#view > .view', 20_000);
      await explorer.locator('h2.view-title', { hasText: 'demo:1.0' }).waitFor({ timeout: 20_000 });
      await workbench.runCommand('View: Show Explorer');
      await page.locator('.monaco-editor .view-line', { hasText: 'demo:1.0' }).click();
    });

    await check('the moved pin offers its quick fix (docs/images/editor-quick-fix.png)', async () => {
      const widget = page.locator('.action-widget', { hasText: 'Update the pinned digest' }).filter({ visible: true });
      // The key can reach the editor while the closing hover still holds the focus; then it is pressed again.
      for (let attempt = 1; ; attempt++) {
        await goTo(5, 8);
        await page.keyboard.press('Control+.');
        const shown = await widget.waitFor({ timeout: 5_000 }).then(() => true, () => false);
        if (shown) break;
        if (attempt === 3) throw new Error('the quick fix menu did not open after three tries');
        await page.keyboard.press('Escape');
      }
      await page.screenshot({ path: join(IMAGES, 'editor-quick-fix.png') });
      await page.keyboard.press('Escape');
    });
  } finally {
    await page.screenshot({ path: join(REPO, 'test', 'extension', 'screenshots', 'editor-last.png') }).catch(() => undefined);
    await context.close();
  }
}
