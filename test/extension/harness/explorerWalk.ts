// The explorer as people meet it: inside real VS Code's webview (its sandbox, CSP and messaging), in its own
// activity bar container, at a narrow and a wide sidebar, in light, dark and high-contrast themes.
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import type { Workbench } from './workbench';

export const THEMES = [
  { name: 'dark', label: 'Dark Modern', kind: 'vscode-dark' },
  { name: 'light', label: 'Light Modern', kind: 'vscode-light' },
  { name: 'high-contrast', label: 'Dark High Contrast', kind: 'vscode-high-contrast' },
] as const;
export type WalkTheme = (typeof THEMES)[number];

export const WIDTHS = [300, 700] as const;

/** Switches the colour theme with **Preferences: Color Theme**, as a person does; the webview follows live. */
export async function setTheme(theme: WalkTheme, workbench: Workbench, explorer: Frame): Promise<void> {
  await workbench.runCommandAmong('Preferences: Color Theme');
  await workbench.chooseInQuickPick(theme.label);
  await explorer.waitForFunction((kind) => document.body.classList.contains(kind), theme.kind, { timeout: 20_000 });
  // The workbench repaints its own parts a moment after the webview's class changes.
  await workbench.page.waitForTimeout(300);
}

/** Drags the sash right of the side bar until the side bar is `width` px wide. */
export async function setSideBarWidth(workbench: Workbench, width: number): Promise<void> {
  const page = workbench.page;
  const sideBar = page.locator('.part.sidebar').first();
  for (let attempt = 0; attempt < 3; attempt++) {
    const box = await sideBar.boundingBox();
    if (!box) throw new Error('the side bar is not shown');
    if (Math.abs(box.width - width) <= 2) return;
    const edge = box.x + box.width;
    // The sash is the thin vertical handle on the side bar's right edge (not the webview beside it).
    const sashes = await page.locator('.monaco-sash.vertical').evaluateAll((elements) =>
      elements.map((element) => {
        const rect = element.getBoundingClientRect();
        return { x: rect.x + rect.width / 2, y: rect.y, height: rect.height };
      }),
    );
    const sash = sashes.filter((candidate) => candidate.height > 100).sort((a, b) => Math.abs(a.x - edge) - Math.abs(b.x - edge))[0];
    if (!sash) throw new Error('no sash beside the side bar');
    const y = sash.y + sash.height / 2;
    await page.mouse.move(sash.x, y);
    await page.mouse.down();
    for (let step = 1; step <= 10; step++) await page.mouse.move(sash.x + ((box.x + width - sash.x) * step) / 10, y);
    await page.mouse.up();
    await page.waitForTimeout(300);
  }
  const final = await sideBar.boundingBox();
  throw new Error(`the side bar is ${final?.width} px wide, not ${width} px`);
}

/**
 * Presses one of the view's title-bar buttons and waits for the page to show the view it leads to (a new view
 * element), so nothing is typed into the one it leaves.
 */
export async function pressTitleButton(workbench: Workbench, frame: Frame, label: string): Promise<void> {
  await frame.evaluate(() => document.querySelector('#view > .view')?.setAttribute('data-left', ''));
  await workbench.page.locator(`.part.sidebar .actions-container [aria-label^="${label}"]`).first().click();
  await frame.locator('#view > .view:not([data-left])').waitFor({ timeout: 10_000 });
}

/** Nothing in the explorer scrolls sideways: the page is no wider than its frame. */
export async function assertNoHorizontalOverflow(explorer: Frame, where: string): Promise<void> {
  const widths = await explorer.evaluate(() => {
    const root = document.documentElement;
    const wide = Array.from(document.querySelectorAll<HTMLElement>('#view *'))
      .filter((element) => element.getBoundingClientRect().right > root.clientWidth + 1)
      .slice(0, 3)
      .map((element) => `${element.tagName.toLowerCase()}.${element.className} ends at ${Math.round(element.getBoundingClientRect().right)} px`);
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide };
  });
  assert.ok(widths.scrollWidth <= widths.clientWidth, `${where}: ${widths.scrollWidth} px of content in a ${widths.clientWidth} px view (${widths.wide.join('; ')})`);
}

/**
 * Text and icons readable against what is behind them (WCAG: 4.5:1 for text, 3:1 for icons), for the elements
 * matched by `selector`; returns what falls short.
 */
export function contrastProblems(explorer: Frame, selector: string, minimum: number): Promise<string[]> {
  return explorer.evaluate(
    ({ selector, minimum }) => {
      const parse = (color: string) => {
        const match = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(color);
        return match ? { rgb: [Number(match[1]), Number(match[2]), Number(match[3])], alpha: match[4] === undefined ? 1 : Number(match[4]) } : undefined;
      };
      const luminance = (rgb: number[]) => {
        const [r, g, b] = rgb.map((value) => {
          const channel = value / 255;
          return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const background = (element: Element | null): number[] => {
        for (let node = element; node; node = node.parentElement) {
          const color = parse(getComputedStyle(node).backgroundColor);
          if (color && color.alpha >= 0.99) return color.rgb;
        }
        return parse(getComputedStyle(document.body).backgroundColor)?.rgb ?? [255, 255, 255];
      };
      const problems: string[] = [];
      for (const element of Array.from(document.querySelectorAll(selector))) {
        const style = getComputedStyle(element);
        const color = parse(style.color);
        if (!color) continue;
        const opacity = Number(style.opacity);
        const back = background(element);
        const fore = color.rgb.map((value, index) => value * color.alpha * opacity + back[index] * (1 - color.alpha * opacity));
        const [lighter, darker] = [luminance(fore), luminance(back)].sort((a, b) => b - a);
        const ratio = (lighter + 0.05) / (darker + 0.05);
        if (ratio < minimum) problems.push(`${element.className || element.tagName} "${(element.textContent ?? '').trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
      }
      return problems;
    },
    { selector, minimum },
  );
}

/** Every codicon the page shows has a glyph in the bundled font (an unknown name renders nothing). */
export function missingCodicons(explorer: Frame): Promise<string[]> {
  return explorer.evaluate(() =>
    Array.from(document.querySelectorAll('.codicon'))
      .filter((element) => {
        const content = getComputedStyle(element, '::before').content;
        return content === 'none' || content === 'normal' || content === '""';
      })
      .map((element) => element.className),
  );
}

export interface WalkOptions {
  workbench: Workbench;
  explorer: () => Promise<Frame>;
  width: number;
  theme: WalkTheme;
  /** Where this walk's screenshots go; docs/images when the docs' pictures are being refreshed. */
  imagesDir: string;
}

/** search → repository → tag → platform (every tab) → compare → cache, checking the layout at each step. */
export async function walkExplorer(options: WalkOptions): Promise<void> {
  const { workbench, width, theme } = options;
  mkdirSync(options.imagesDir, { recursive: true });
  const frame = await options.explorer();
  const shot = async (step: string) => {
    await assertNoHorizontalOverflow(frame, `${step} at ${width} px, ${theme.name}`);
    const missing = await missingCodicons(frame);
    assert.deepEqual(missing, [], `${step}: icons without a glyph`);
    await workbench.page.locator('.part.sidebar').first().screenshot({ path: join(options.imagesDir, `explorer-${step}-${width}-${theme.name}.png`) });
  };
  const home = async () => {
    await pressTitleButton(workbench, frame, 'Search');
    await frame.locator('#search-input').waitFor();
  };

  await home();
  await frame.locator('#search-input').fill('demo');
  const hit = frame.locator('#search-results .list-item[data-repository="demo"]');
  await hit.waitFor({ timeout: 30_000 });
  await shot('search');

  await hit.click();
  await frame.locator('.tags .list-item[data-tag="1.0"]').waitFor({ timeout: 30_000 });
  await shot('repository');

  await frame.locator('.tags .list-item[data-tag="1.0"]').click();
  await frame.locator('.view-tag .list-item[data-platform="linux/amd64"]').waitFor({ timeout: 30_000 });
  await shot('tag');

  await frame.locator('.view-tag .list-item[data-platform="linux/amd64"]').click();
  await frame.locator('.layers .layer').first().waitFor({ timeout: 30_000 });
  await shot('layers');
  for (const [tab, ready] of [
    ['files', '.file-tree .file-row'],
    ['config', 'dl.config'],
    ['dockerfile', 'pre.dockerfile'],
    ['attestations', '.statements'],
    ['vulnerabilities', '.tab-panel .count, .tab-panel .state'],
  ] as const) {
    await frame.locator(`#tab-${tab}`).click();
    await frame.locator(ready).first().waitFor({ timeout: 30_000 });
    await shot(tab);
  }

  // A single-platform image with vulnerabilities, typed as a reference: severities in words, readable colours.
  await home();
  await frame.locator('#search-input').fill('app:1');
  await frame.locator('#search-input').press('Enter');
  await frame.locator('button', { hasText: 'Layers, config and Dockerfile' }).click({ timeout: 30_000 });
  await frame.locator('#tab-vulnerabilities').click();
  await frame.locator('.tab-panel .severity-counts, .tab-panel .state').first().waitFor({ timeout: 30_000 });
  if ((await frame.locator('.vulnerabilities .severity-label').count()) > 0) {
    assert.deepEqual(await contrastProblems(frame, '.severity, .severity-label, .badge', 4.5), [], `severity words at ${theme.name}`);
    assert.deepEqual(await contrastProblems(frame, '.severity .codicon, .severity-label .codicon, .badge .codicon', 3), [], `severity icons at ${theme.name}`);
  }
  await shot('vulnerabilities-app');

  // Compare, started from the title bar and run with the Compare button (a <form> would be blocked here).
  await pressTitleButton(workbench, frame, 'Compare Images');
  await frame.locator('#compare-a').fill('base:1');
  await frame.locator('#compare-b').fill('app:1');
  await frame.locator('.compare-form button', { hasText: 'Compare' }).click();
  await frame.locator('.sides').waitFor({ timeout: 30_000 });
  await shot('compare');

  // With packages: the package table from both SBOMs, inside VS Code's webview, at this width and theme.
  await frame.locator('#compare-a').fill('web:1.27.1');
  await frame.locator('#compare-b').fill('web:1.27.2');
  await frame.locator('#compare-platform').fill('linux/arm64');
  await frame.locator('#compare-packages').check();
  await frame.locator('.compare-form button', { hasText: 'Compare' }).click();
  await frame.locator('.package-changes tbody tr').first().waitFor({ timeout: 30_000 });
  assert.deepEqual(
    await frame.locator('.package-changes tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-change'))),
    ['changed', 'changed', 'added', 'removed'],
  );
  await frame.locator('.section[aria-label="Package changes"]').scrollIntoViewIfNeeded();
  await shot('compare-packages');

  await pressTitleButton(workbench, frame, 'Cache and Pull Limit');
  await frame.locator('.kinds tr[data-kind]').first().waitFor({ timeout: 30_000 });
  await shot('cache');

  // The official badge and check marks stay visible on the search results.
  await home();
  await frame.locator('#search-input').fill('demo');
  await frame.locator('#search-results .badge').first().waitFor({ timeout: 30_000 });
  assert.deepEqual(await contrastProblems(frame, '.badge, .badge .codicon', 3), [], `badges at ${theme.name}`);
}
