import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { formatBytes, shortDigest } from '../../server/src/contract';
import { rig } from '../rig/mocha-hooks';
import { foreignRequests, openExplorer, serverEnvironment, type Explorer } from './harness';
import type { ThemeName } from './themes';
import { HOME } from '../../webview/src/state';
import { buildIncompressible, buildLayered, LAYERED_SPECS, LONG_PATH, type LayerFile } from '../rig/layerImages';

// Screenshots go to the gitignored test output; the docs show the ones the walk in real VS Code takes
// (test/extension/harness/explorerWalk.ts).
const IMAGES = join(__dirname, 'screenshots');

async function text(page: Page, selector: string): Promise<string> {
  const locator = page.locator(selector).first();
  await locator.waitFor();
  return locator.innerText();
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The whole view fits its width: nothing scrolls sideways (the narrowest sidebar is about 300 px). */
async function assertNoHorizontalOverflow(page: Page, where: string): Promise<void> {
  const widths = await page.evaluate(() => {
    const root = document.documentElement;
    const wide = Array.from(document.querySelectorAll<HTMLElement>('#view *'))
      .filter((element) => element.getBoundingClientRect().right > root.clientWidth + 1)
      .slice(0, 3)
      .map((element) => `${element.tagName.toLowerCase()}.${element.className} ${Math.round(element.getBoundingClientRect().right)} px`);
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide };
  });
  assert.ok(widths.scrollWidth <= widths.clientWidth, `${where}: ${widths.scrollWidth} px of content in ${widths.clientWidth} px (${widths.wide.join(', ')})`);
}

function platformName(platform: { os: string; architecture: string; variant?: string }): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

describe('explorer webview over the real server', function () {
  let explorer: Explorer | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  const pageErrors: string[] = [];

  async function open(theme: ThemeName, login = true): Promise<Explorer> {
    const environment = await serverEnvironment(rig(), { login });
    cleanup = environment.cleanup;
    explorer = await openExplorer({ serverEnv: environment.env, theme, width: 300 });
    explorer.page.on('pageerror', (error) => pageErrors.push(error.message));
    return explorer;
  }

  afterEach(async function () {
    this.timeout(20_000);
    await explorer?.close();
    await cleanup?.();
    explorer = undefined;
    cleanup = undefined;
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`walks search → repository → tag → platform → layers → Dockerfile → compare → cache (${theme} theme)`, async function () {
      this.timeout(120_000);
      pageErrors.length = 0;
      const { page, actions } = await open(theme);
      const shot = async (name: string, fullPage = false) => {
        await assertNoHorizontalOverflow(page, name);
        if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: join(IMAGES, `explorer-${name}-${theme}.png`), fullPage });
      };
      const demo = rig().images['library/demo']['1.0'];

      // Search, debounced as one types.
      await page.locator('#search-input').pressSequentially('demo', { delay: 30 });
      const hit = page.locator('#search-results .list-item[data-repository="demo"]');
      await hit.waitFor();
      const hitText = await hit.innerText();
      assert.match(hitText, /Official/);
      assert.match(hitText, /412/, 'stars');
      assert.match(hitText, /1M\+/, 'pulls as Hub search rounds them');
      await shot('search');

      // Repository: description, badges, tags with platforms and push dates.
      await hit.click();
      assert.match(await text(page, '.view-repository .description'), /Demo image of the test rig/);
      assert.match(await text(page, '.view-repository .badges'), /Docker Official Image/);
      const tagRow = page.locator('.tags .list-item[data-tag="1.0"]');
      await tagRow.waitFor();
      const tagRowText = await tagRow.innerText();
      assert.match(tagRowText, /3 platforms/);
      assert.match(tagRowText, /pushed/);
      await shot('repository');

      // The README is rendered, sanitised: its raw <script> and <img onerror> are gone, links stay links.
      await page.locator('details.readme > summary').click();
      assert.match(await text(page, '.markdown'), /What is demo\?/);
      assert.equal(await page.locator('.markdown script, .markdown img, .markdown iframe').count(), 0);
      assert.equal(await page.title(), 'Docker Hub', 'the README script did not run');

      // The name filter narrows the tags.
      await page.locator('.view-repository input[type="search"]').fill('sch');
      await page.waitForFunction(() => {
        const tags = Array.from(document.querySelectorAll('.tags .list-item')).map((element) => element.getAttribute('data-tag'));
        return tags.length === 1 && tags[0] === 'schema2';
      });
      await page.locator('.view-repository input[type="search"]').fill('');
      await tagRow.waitFor();

      // Tag: digest, pull lines, platforms (attestations are not platforms).
      await tagRow.click();
      await page.locator('.view-tag .list-item[data-platform]').first().waitFor();
      const platforms = await page.locator('.view-tag .list-item[data-platform]').evaluateAll((items) => items.map((item) => item.getAttribute('data-platform')));
      assert.deepEqual(platforms, demo.platforms.map(platformName));
      assert.equal(await text(page, '.view-tag .fact .digest'), shortDigest(demo.digest));
      const pullLine = page.locator('.command-line', { hasText: 'docker pull demo:1.0' });
      await pullLine.locator('button').click();
      await waitUntil(() => actions.copies.length === 1, 'the pull line to be copied');
      assert.deepEqual(actions.copies[0], { text: 'docker pull demo:1.0', label: 'pull command' });
      await page.locator('.command-line', { hasText: `docker pull demo@${demo.digest}` }).waitFor();

      // Platform: layers bottom first, each with its size bar and instruction; then largest first.
      const amd64 = demo.platforms[0];
      await page.locator('.list-item[data-platform="linux/amd64"]').click();
      await page.locator('.layers .layer').first().waitFor();
      const layerDigests = () => page.locator('.layers .layer .layer-digest span[title]').evaluateAll((spans) => spans.map((span) => span.getAttribute('title')));
      assert.deepEqual(await layerDigests(), amd64.layers.map((layer) => layer.digest));
      const instructions = await page.locator('.layers .instruction').allInnerTexts();
      assert.equal(instructions.length, amd64.layers.length);
      assert.match(instructions[2], /echo "demo app payload"/);
      assert.equal(await text(page, '.layers .layer .layer-size'), formatBytes(amd64.layers[0].size));
      const total = amd64.layers.reduce((sum, layer) => sum + layer.size, 0);
      assert.match(await text(page, '.layers-header .count'), new RegExp(`${amd64.layers.length} layers, ${formatBytes(total).replace('.', '\\.')} compressed`));
      await page.locator('button[aria-pressed="false"]', { hasText: 'Largest first' }).click();
      await page.locator('button[aria-pressed="true"]', { hasText: 'Largest first' }).waitFor();
      const bySize = [...amd64.layers].sort((a, b) => b.size - a.size).map((layer) => layer.digest);
      await page.waitForFunction((first) => document.querySelector('.layers .layer-digest span[title]')?.getAttribute('title') === first, bySize[0]);
      assert.deepEqual(await layerDigests(), bySize);
      const largestBar = await page.locator('.size-bar-fill').first().evaluate((element) => (element as HTMLElement).style.width);
      assert.equal(largestBar, '100%');
      await shot('layers');

      // Config.
      await page.locator('#tab-config').click();
      const configText = await text(page, 'dl.config');
      await assertNoHorizontalOverflow(page, 'config');
      assert.match(configText, /Entrypoint|Command/);
      const environmentText = await text(page, '.section[aria-label="Environment"]');
      for (const variable of amd64.config.config.Env ?? []) assert.ok(environmentText.includes(variable), `env ${variable} shown`);

      // Dockerfile, and "open in editor" hands the very text to VS Code.
      await page.locator('#tab-dockerfile').click();
      const dockerfile = await text(page, 'pre.dockerfile');
      assert.match(dockerfile, /^FROM /m);
      assert.match(dockerfile, /echo "demo app payload"/);
      await page.locator('button', { hasText: 'Open in editor' }).click();
      await waitUntil(() => actions.dockerfiles.length === 1, 'the Dockerfile to be opened');
      assert.equal(actions.dockerfiles[0].trim(), dockerfile.trim());
      await shot('dockerfile');

      // Attestations of the index.
      await page.locator('#tab-attestations').click();
      await page.locator('.statements').waitFor();
      assert.match(await text(page, '.view-platform .tab-panel'), /SPDX-2\.3/);
      assert.equal(await page.locator('.badge-yes').count(), 2, 'SBOM and provenance present');
      await assertNoHorizontalOverflow(page, 'attestations');

      // Vulnerabilities (alice is logged in; demo has none).
      await page.locator('#tab-vulnerabilities').click();
      assert.match(await text(page, '.view-platform .tab-panel .count'), /No known vulnerabilities/);

      // Hiding and showing the view reloads the page: it comes back where it was.
      await explorer!.reload();
      await page.locator('#tab-vulnerabilities[aria-selected="true"]').waitFor();
      assert.match(await text(page, '.view-platform .tab-panel .count'), /No known vulnerabilities/);

      // A reference typed directly: a single-platform image with vulnerabilities.
      await explorer!.send({ type: 'navigate', route: HOME });
      await page.locator('#search-input').fill('app:1');
      await page.locator('.open-reference button', { hasText: 'Open app:1' }).waitFor();
      await page.locator('#search-input').press('Enter');
      await page.locator('button', { hasText: 'Layers, config and Dockerfile' }).click();
      await page.locator('#tab-vulnerabilities').click();
      await page.locator('.severity-counts').waitFor();
      assert.equal(await text(page, '.severity-counts .severity-critical strong'), '2');
      assert.match(await text(page, '.vulnerabilities'), /CVE-2024-5535/);
      await shot('vulnerabilities');

      // Compare two images: shared base layer, the layers app adds, the size delta.
      const base = rig().images['library/base']['1'].platforms[0];
      const app = rig().images['library/app']['1'].platforms[0];
      const baseDigests = new Set(base.layers.map((layer) => layer.digest));
      const added = app.layers.filter((layer) => !baseDigests.has(layer.digest));
      const delta = app.layers.reduce((sum, layer) => sum + layer.size, 0) - base.layers.reduce((sum, layer) => sum + layer.size, 0);
      await explorer!.send({ type: 'navigate', route: { view: 'compare', imageA: '', imageB: '', platform: '' } });
      await page.locator('#compare-a').fill('base:1');
      await page.locator('#compare-b').fill('app:1');
      // Inside the webview's sandbox (no allow-forms): both ways of starting a comparison must work.
      if (theme === 'dark') await page.locator('#compare-b').press('Enter');
      else await page.locator('.compare-form button', { hasText: 'Compare' }).click();
      await page.locator('.sides').waitFor();
      assert.match(await text(page, '.shared'), new RegExp(`^${app.layers.length - added.length} layer`));
      assert.match(await text(page, '.section[aria-label="Only in B (app:1)"] .count'), new RegExp(`^${added.length} layers`));
      assert.equal(await text(page, '.size-delta'), `B is ${formatBytes(delta)} larger than A (+${formatBytes(delta)} compressed).`);
      assert.match(await text(page, '.differences'), /user/);
      await shot('compare', true);

      // With packages: what both SBOMs list differently, and what Docker Scout says was fixed and introduced.
      await page.locator('#compare-a').fill('web:1.27.1');
      await page.locator('#compare-b').fill('web:1.27.2');
      await page.locator('#compare-platform').fill('linux/arm64');
      await page.locator('#compare-packages').check();
      await page.locator('.compare-form button', { hasText: 'Compare' }).click();
      const packageRows = page.locator('.package-changes tbody tr');
      await packageRows.first().waitFor();
      assert.deepEqual(
        await packageRows.evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-change')} ${Array.from(row.children).map((cell) => cell.textContent).join(' | ')}`)),
        ['changed openssl | 3.1.4 | 3.1.5', 'changed zlib | 1.3 | 1.3.1', 'added ca-certificates | not there | 20240226', 'removed musl | 1.2.4 | not there'],
      );
      assert.match(await text(page, '.section[aria-label="Package changes"] .count'), /^1 added, 1 removed, 2 changed, 1 unchanged \(A has 4, B has 4\)\.$/);
      assert.match(await text(page, '.vulnerability-change[aria-label="Fixed in B"]'), /Fixed in B: 2[\s\S]*CVE-2023-45853 in zlib[\s\S]*CVE-2023-5678 in openssl/);
      assert.match(await text(page, '.vulnerability-change[aria-label="Introduced in B"]'), /Introduced in B: 1[\s\S]*low\s*CVE-2024-9143 in openssl 3\.1\.5, fixed in 3\.1\.8/i);
      await shot('compare-packages', true);

      // Cache panel: entries by kind, disk use, rate limit; then clear.
      await explorer!.send({ type: 'navigate', route: { view: 'cache' } });
      const manifestRow = page.locator('.kinds tr[data-kind="manifest"]');
      await manifestRow.waitFor();
      const manifestEntries = Number(await manifestRow.locator('td').first().innerText());
      assert.ok(manifestEntries > 0, 'manifests are cached');
      assert.match(await text(page, '.stat-grid'), /Disk\s+[\d.]+ (B|KiB|MiB)\s+\d+ files/);
      assert.match(await text(page, '.section[aria-label="Pull quota seen"]'), /pulls left/);
      await page.locator('button', { hasText: 'Check pull limit' }).click();
      assert.match(await text(page, '.rate-limit .stat-value'), /^\d+ of 100 pulls left per 1 h$/);
      await shot('cache', true);
      await page.locator('button', { hasText: 'Clear cache' }).click();
      await page.locator('.view-cache .hint[role="status"]', { hasText: /^Cleared \d+ entries from memory and \d+ files? from disk\.$/ }).waitFor();
      await page.waitForFunction(() => {
        const row = document.querySelector('.kinds tr[data-kind="manifest"] td');
        return !document.querySelector('#cache-statistics [aria-busy]') && (!row || row.textContent === '0');
      });

      // Another registry, typed as a reference.
      await explorer!.send({ type: 'navigate', route: HOME });
      await page.locator('#search-input').fill('ghcr.io/owner/app:1');
      await page.locator('#search-input').press('Enter');
      assert.equal(await text(page, '.view-tag .fact .digest'), shortDigest(rig().images['owner/app']['1'].digest));

      assert.deepEqual(foreignRequests(explorer!), [], 'the page loads nothing but its own assets');
      assert.deepEqual(pageErrors, []);
    });
  }

  it('is driven by the keyboard: arrows through results, Enter opens, Alt+Left goes back, focus is visible', async function () {
    const { page } = await open('dark', false);
    await page.locator('#search-input').focus();
    await page.keyboard.type('demo');
    await page.locator('#search-results .list-item').first().waitFor();
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => ({
      repository: document.activeElement?.getAttribute('data-repository'),
      outline: getComputedStyle(document.activeElement as Element).outlineStyle,
    }));
    assert.equal(focused.repository, 'demo');
    assert.notEqual(focused.outline, 'none', 'the focused item shows an outline');
    await page.keyboard.press('ArrowDown');
    assert.notEqual(await page.evaluate(() => document.activeElement?.getAttribute('data-repository')), 'demo');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.locator('.view-repository').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H2', 'focus moves to the new view');
    await page.locator('.tags .list-item').first().waitFor();
    const unnamed = await page.evaluate(() =>
      Array.from(document.querySelectorAll('button, input'))
        .filter((element) => !(element.getAttribute('aria-label') || element.textContent?.trim() || element.closest('label')))
        .map((element) => element.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, [], 'every control has an accessible name');
    await page.keyboard.press('Alt+ArrowLeft');
    await page.locator('.view-search').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'search-input');
    assert.equal(await page.locator('#search-input').inputValue(), 'demo');
  });

  // Docker Hub's tag API, and a registry's tag list, whose cursor also carries the last tag read.
  for (const repository of ['many', 'ghcr.io/library/many']) {
    it(`pages through the tags of ${repository} by cursor, back, forth and across a reload, and filters them by name`, async function () {
      const environment = await serverEnvironment(rig());
      cleanup = environment.cleanup;
      explorer = await openExplorer({
        serverEnv: environment.env,
        initialState: { version: 1, route: { view: 'repository', repository, tagFilter: '', tagCursors: [], readmeOpen: false }, back: [] },
      });
      const { page } = explorer;
      const shownTags = () => page.locator('.tags .list-item').evaluateAll((items) => items.map((item) => item.getAttribute('data-tag')));
      const previous = page.locator('button[aria-label="Previous page of tags"]');
      const next = page.locator('button[aria-label="Next page of tags"]');
      const onPage = async (number: number) => {
        await page.locator('.tags .pager span').filter({ hasText: new RegExp(`^Page ${number}$`) }).waitFor();
        assert.equal(await previous.isDisabled(), number === 1, `Previous is ${number === 1 ? 'off' : 'on'} on page ${number}`);
        assert.equal(await next.isDisabled(), false, `Next is on on page ${number}`);
        return shownTags();
      };
      const savedCursors = () => (explorer!.savedState() as { route: { tagCursors: string[] } }).route.tagCursors;
      const allTags = Object.keys(rig().images['library/many']);

      const first = await onPage(1);
      if (repository === 'many') assert.equal(await text(page, '.tags .count'), `${allTags.length} tags`);
      assert.equal(first.length, 20);
      await next.click();
      const second = await onPage(2);
      assert.equal(second.length, 20);
      assert.deepEqual(second.filter((tag) => first.includes(tag)), [], 'page 2 shows other tags');
      assert.ok(second.every((tag) => allTags.includes(tag!)));
      await previous.click();
      assert.deepEqual(await onPage(1), first, 'Previous shows page 1 again');
      assert.deepEqual(savedCursors(), [], 'the first page has no cursor');
      await next.click();
      assert.deepEqual(await onPage(2), second, 'Next again shows the same page 2');
      assert.equal(savedCursors().length, 1);
      await next.click();
      const third = await onPage(3);
      assert.deepEqual(third.filter((tag) => first.includes(tag) || second.includes(tag)), [], 'page 3 shows other tags');

      await previous.click();
      await onPage(2);
      await explorer.reload();
      assert.deepEqual(await onPage(2), second, 'a reload shows the same page');
      await previous.click();
      assert.deepEqual(await onPage(1), first, 'the way back survives a reload');
      await next.click();
      await onPage(2);

      await page.locator('.view-repository input[type="search"]').fill('tag-24');
      await page.waitForFunction(() => document.querySelectorAll('.tags .list-item').length === 10);
      assert.deepEqual((await shownTags()).sort(), Array.from({ length: 10 }, (_, index) => `tag-24${index}`));
      assert.equal(await page.locator('.tags .pager').count(), 0, 'a new filter starts at its first page, which holds every match');
      assert.deepEqual(savedCursors(), []);
      await explorer.reload();
      await page.locator('.tags .list-item[data-tag="tag-240"]').waitFor();
      assert.equal(await page.locator('.view-repository input[type="search"]').inputValue(), 'tag-24', 'the filter survives a reload');
    });
  }

  it('starts a listing again at its first page when the server no longer takes a saved cursor', async function () {
    const environment = await serverEnvironment(rig(), { login: true });
    cleanup = environment.cleanup;
    const stale = Buffer.from(JSON.stringify([0, 'from-an-older-server', 20])).toString('base64url');
    explorer = await openExplorer({
      serverEnv: environment.env,
      initialState: { version: 1, route: { view: 'repository', repository: 'many', tagFilter: '', tagCursors: [stale], readmeOpen: false }, back: [] },
    });
    const { page } = explorer;
    const savedRoute = () => (explorer!.savedState() as { route: Record<string, unknown> }).route;
    await page.locator('.tags .pager span').filter({ hasText: /^Page 1$/ }).waitFor();
    assert.equal(await page.locator('.tags .list-item').count(), 20);
    assert.equal(await page.locator('.state.error').count(), 0, 'no error is left on the view');
    assert.deepEqual(savedRoute().tagCursors, []);

    // One page each: the saved cursor was sent, refused, and dropped.
    await explorer.send({ type: 'navigate', route: { view: 'search', query: 'demo', cursors: [stale], officialOnly: false, verifiedOnly: false } });
    await page.locator('#search-results .list-item[data-repository="demo"]').waitFor();
    assert.equal(await page.locator('.state.error').count(), 0);
    assert.deepEqual(savedRoute(), { view: 'search', query: 'demo', cursors: [], officialOnly: false, verifiedOnly: false });
    await explorer.send({ type: 'navigate', route: { view: 'namespace', namespace: 'alice', cursors: [stale] } });
    await page.locator('.view-namespace .list-item').first().waitFor();
    assert.equal(await page.locator('.state.error').count(), 0);
    assert.deepEqual(savedRoute(), { view: 'namespace', namespace: 'alice', cursors: [] });
  });

  it('says what to do when the server answers with an error (not found, rate limited)', async function () {
    const { page } = await open('dark', false);
    await page.locator('#search-input').fill('nosuchimage:1');
    await page.locator('#search-input').press('Enter');
    const notFound = await text(page, '.state.error');
    assert.match(notFound, /Not found/);
    assert.match(notFound, /Check the spelling/);
    await page.locator('.state.error button', { hasText: 'Retry' }).waitFor();

    const hub = rig().hub as unknown as { control: { rateLimitNext(n: number, options: { retryAfterSeconds: number; path?: string }): void } };
    hub.control.rateLimitNext(10, { retryAfterSeconds: 120, path: '/search' });
    await explorer!.send({ type: 'navigate', route: HOME });
    await page.locator('#search-input').fill('postgres');
    const limited = await text(page, '.state.error');
    assert.match(limited, /pull limit is reached/);
    assert.match(limited, /retry in 120 s/);
  });

  it('asks an anonymous person to sign in, in words and with the button that does it, not with server settings', async function () {
    const { page, actions } = await open('dark', false);
    await explorer!.send({ type: 'navigate', route: { view: 'platform', image: 'app:1', platform: '', tab: 'vulnerabilities', largestFirst: false } });
    const card = page.locator('.state.notice');
    await card.waitFor();
    const shown = await card.innerText();
    assert.match(shown, /^Sign in to see vulnerabilities/);
    assert.doesNotMatch(shown, /DOCKERHUB_|UNAUTHORIZED|error/i, 'no environment variable, code or alarm in what is shown');
    assert.equal(await page.locator('.state.error').count(), 0, 'signing in is not an error');
    await card.locator('button', { hasText: 'Set Access Token' }).click();
    await waitUntil(() => actions.commands.includes('setToken'), 'the Set Access Token command');
    await card.locator('summary', { hasText: 'Details' }).click();
    assert.match(await card.locator('.state-detail').innerText(), /UNAUTHORIZED: /, 'the code stays in the detail line');
  });

  it('opens what is typed as a reference, without a contradicting "no match", and browses your namespaces', async function () {
    const { page } = await open('dark', true);
    const input = page.locator('#search-input');
    await input.fill('demo:latest');
    await page.locator('.open-reference button', { hasText: 'Open demo:latest' }).waitFor();
    assert.equal(await page.locator('#search-results').innerText(), '', 'a tagged reference is not searched for');

    // A private repository never shows in search, and needs no tag to be opened.
    await input.fill('alice/private-app');
    await page.locator('.open-reference button', { hasText: 'Open alice/private-app' }).waitFor();
    await page.locator('#search-results .state', { hasText: 'public repositories only' }).waitFor();
    assert.doesNotMatch(await page.locator('#search-results').innerText(), /No repository on Docker Hub matches/);
    await page.locator('.open-reference button').click();
    await page.locator('.view-repository .tags .list-item[data-tag="1"]').waitFor();

    await explorer!.send({ type: 'navigate', route: HOME });
    await page.locator('.list-item[data-namespace="acme"]').waitFor();
    await page.locator('.list-item[data-namespace="alice"]').click();
    await page.locator('.view-namespace .list-item[data-repository="alice/private-app"]', { hasText: 'Private' }).click();
    await page.locator('.view-repository .tags .list-item[data-tag="1"]').waitFor();
  });

  it('offers sign-in where your repositories would be listed when anonymous', async function () {
    const { page } = await open('dark', false);
    const card = page.locator('.section[aria-label="Your repositories"] .state.notice');
    await card.waitFor();
    assert.match(await card.innerText(), /^Sign in to see your repositories/);
    await card.locator('button', { hasText: 'Set Access Token' }).waitFor();
  });

  it('shows the files of an image as a tree: directories open on demand, sizes, wasted copies, one layer at a time', async function () {
    const layered = await buildLayered();
    await rig().push('library/layered', layered.built, ['1']);
    // What the tree should show, from the rig's own description of the layers it built.
    const files = (layer: number) => LAYERED_SPECS[layer].files.filter((file): file is Extract<LayerFile, { type: 'file' }> => file.type === 'file');
    const finalSize = (path: string) => files(LAYERED_SPECS.length - 1).concat(files(1), files(0)).find((file) => file.path === path)!.content.length;
    const copies = (path: string) => LAYERED_SPECS.flatMap((_, layer) => files(layer).filter((file) => file.path === path));
    const topLevel = [...new Set(LAYERED_SPECS.flatMap((spec) => spec.files.map((file) => file.path.split('/')[0])))].sort();

    const { page } = await open('dark');
    await explorer!.send({ type: 'navigate', route: { view: 'platform', image: 'layered:1', platform: '', tab: 'files', largestFirst: false } });
    await page.locator('#tab-files[aria-selected="true"]').waitFor();
    await page.locator('.file-tree').waitFor();
    const rowsUnder = (prefix: string) =>
      page.locator('.file-row').evaluateAll(
        (rows, under) =>
          rows
            .map((row) => ({ path: row.getAttribute('data-path')!, size: row.querySelector('.file-size')!.textContent, wasted: row.classList.contains('wasted') }))
            .filter((row) => (under === '' ? !row.path.includes('/') : row.path.startsWith(`${under}/`) && !row.path.slice(under.length + 1).includes('/'))),
        prefix,
      );
    assert.deepEqual((await rowsUnder('')).map((row) => row.path), topLevel);
    assert.equal(await page.locator('.file-row[data-path^="etc/"]').count(), 0, 'a directory is read only when opened');

    // The efficiency figure, and etc/app.conf (written by all three layers) marked as wasted with all its copies.
    assert.match(await text(page, '.efficiency-score'), /^\d{1,3}\.\d %$/);
    assert.ok(await page.locator('.wasted-bytes').innerText());
    await page.locator('.file-row[data-path="etc"]').click();
    await page.locator('.file-row[data-path="etc/app.conf"]').waitFor();
    assert.deepEqual(await rowsUnder('etc'), [
      { path: 'etc/app.conf', size: formatBytes(finalSize('etc/app.conf')), wasted: true },
      { path: 'etc/os-release', size: formatBytes(finalSize('etc/os-release')), wasted: false },
    ]);
    assert.equal(await page.locator('.file-row[data-path="etc"]').getAttribute('class'), 'file-row wasted');
    const wastedConf = copies('etc/app.conf').reduce((sum, file) => sum + file.content.length, 0);
    assert.match((await page.locator('.file-row[data-path="etc/app.conf"]').getAttribute('title'))!, new RegExp(`${formatBytes(wastedConf).replace('.', '\\.')} wasted`));
    assert.equal(await page.locator('.file-row[data-path="etc"]').locator('..').getAttribute('aria-expanded'), 'true');

    // The long PAX name opens down to its file without widening the view.
    const parts = LONG_PATH.split('/').slice(0, -1);
    for (let depth = 1; depth <= parts.length; depth++) {
      const path = parts.slice(0, depth).join('/');
      await page.locator(`.file-row[data-path="${path}"]`).click();
      await page.locator(`.file-row[data-path^="${path}/"]`).first().waitFor();
    }
    await assertNoHorizontalOverflow(page, 'files, long path open');
    await page.screenshot({ path: join(IMAGES, 'explorer-files-dark.png'), fullPage: true });

    // One layer only: layer 1's own entries, its app.conf copy, and the cache directory it deletes.
    await page.locator('.files-layer').selectOption('1');
    await page.locator('.file-tree[aria-label="Files layer 1 adds or changes"]').waitFor();
    assert.deepEqual(
      (await rowsUnder('')).map((row) => row.path),
      [...new Set(LAYERED_SPECS[1].files.map((file) => file.path.split('/')[0]))].sort(),
    );
    await page.locator('.file-row[data-path="etc"]').click();
    await page.locator('.file-row[data-path="etc/app.conf"]').waitFor();
    assert.deepEqual((await rowsUnder('etc')).map((row) => [row.path, row.size]), [['etc/app.conf', formatBytes(files(1).find((file) => file.path === 'etc/app.conf')!.content.length)]]);
    await page.locator('.file-row[data-path="var"]').click();
    assert.equal(await text(page, '.file-row[data-path="var/cache"] .file-size'), 'deleted');
    await assertNoHorizontalOverflow(page, 'files, layer 1');
    assert.deepEqual(pageErrors, []);
  });

  it('shows a progress bar (bytes of total, in words too) while the layers stream, and drops it when the answer arrives', async function () {
    const built = await buildIncompressible(2);
    await rig().push('library/streamed', built, ['1']);
    const layerBytes = built.layers.reduce((sum, layer) => sum + layer.size, 0);
    // About four seconds of transfer: long enough to see the bar move, short enough for the suite.
    rig().registry.proxy.setCdnRate(512 * 1024);

    const { page } = await open('dark');
    await explorer!.send({ type: 'navigate', route: { view: 'platform', image: 'streamed:1', platform: '', tab: 'files', largestFirst: false } });
    const bar = page.locator('#platform-panel [role="progressbar"]');
    await page.waitForFunction(() => Number(document.querySelector('#platform-panel [role="progressbar"]')?.getAttribute('aria-valuenow')) > 0, null, { timeout: 20_000 });
    const seen = await bar.evaluate((element) => ({
      now: Number(element.getAttribute('aria-valuenow')),
      max: Number(element.getAttribute('aria-valuemax')),
      text: element.getAttribute('aria-valuetext'),
      words: element.querySelector('.progress-words')!.textContent,
      label: element.getAttribute('aria-label'),
      width: (element.querySelector('.progress-fill') as HTMLElement).style.width,
    }));
    assert.equal(seen.max, layerBytes, 'the total is the bytes of the layers to read');
    assert.ok(seen.now > 0 && seen.now <= layerBytes, `progress ${seen.now} of ${layerBytes}`);
    assert.equal(seen.text, `${formatBytes(seen.now)} of ${formatBytes(layerBytes)}`);
    assert.equal(seen.words, seen.text, 'the figures are shown in words beside the bar');
    assert.match(seen.label ?? '', /^Reading the file index/);
    assert.equal(seen.width, `${((seen.now / layerBytes) * 100).toFixed(1)}%`);
    await assertNoHorizontalOverflow(page, 'files, progress bar');
    await page.screenshot({ path: join(IMAGES, 'explorer-files-progress-dark.png'), fullPage: true });

    await page.locator('.file-tree').waitFor({ timeout: 30_000 });
    assert.equal(await bar.count(), 0, 'the bar is gone once the answer is shown');
    assert.match(await text(page, '.files-efficiency .hint'), new RegExp(`${formatBytes(layerBytes).replace('.', '\\.')} of layers downloaded`));
    assert.deepEqual(pageErrors, []);
  });

  it('leaving the Files tab while layers stream cancels the download at the registry', async function () {
    const built = await buildIncompressible(3);
    await rig().push('library/streamed', built, ['2']);
    const layerHex = built.layers[0].digest.replace('sha256:', '');
    // Forty seconds of transfer if nothing stopped it.
    rig().registry.proxy.setCdnRate(50 * 1024);

    const { page } = await open('dark');
    await explorer!.send({ type: 'navigate', route: { view: 'platform', image: 'streamed:2', platform: '', tab: 'files', largestFirst: false } });
    await page.waitForFunction(() => Number(document.querySelector('#platform-panel [role="progressbar"]')?.getAttribute('aria-valuenow')) > 0, null, { timeout: 20_000 });
    const layerGets = () => rig().registry.proxy.requests().filter((request) => request.kind === 'cdnGet' && request.path.includes(layerHex));
    assert.equal(layerGets().length, 1);
    await page.locator('#tab-config').click();
    await page.locator('dl.config').waitFor();
    await waitUntil(() => layerGets()[0]?.closedEarly === true, 'the registry to see the layer transfer closed', 5_000);
    assert.equal(await page.locator('[role="progressbar"]').count(), 0);
    // Nothing of the abandoned call surfaces: no error banner, no error state.
    assert.equal(await page.locator('.banner:not([hidden])').count(), 0);
    assert.deepEqual(pageErrors, []);
  });

  it('lists each registry signed in and how (VS Code, Docker config, helper) without a secret; its buttons run the credential commands', async function () {
    const alice = rig().users.find((user) => user.username === 'alice')!;
    const configSecret = 'config-json-canary-secret-0001';
    const dockerConfig = await mkdtemp(join(tmpdir(), 'dhm-webview-docker-config-'));
    await writeFile(
      join(dockerConfig, 'config.json'),
      JSON.stringify({
        auths: { 'registry.example.com': { auth: Buffer.from(`bob:${configSecret}`).toString('base64') } },
        credHelpers: { 'helper.example.com': 'acme' },
      }),
    );
    const environment = await serverEnvironment(rig(), { login: true });
    cleanup = async () => {
      await environment.cleanup();
      await rm(dockerConfig, { recursive: true, force: true });
    };
    explorer = await openExplorer({
      serverEnv: {
        ...environment.env,
        DOCKERHUB_MCP_REGISTRY_CREDENTIALS: JSON.stringify({ 'ghcr.io': { username: 'alice', secret: alice.password } }),
        DOCKERHUB_MCP_DOCKER_CONFIG: '1',
        DOCKER_CONFIG: dockerConfig,
      },
      width: 300,
    });
    const { page } = explorer;
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await page.locator('.sign-ins .sign-in[data-registry="ghcr.io"]').waitFor({ timeout: 20_000 });
    const rows = await page.locator('.sign-ins .sign-in').evaluateAll((items) =>
      items.map((item) => ({
        registry: item.getAttribute('data-registry'),
        signedIn: item.getAttribute('data-signed-in'),
        as: item.querySelector('.sign-in-as')!.textContent,
        buttons: Array.from(item.querySelectorAll('button')).map((button) => button.getAttribute('aria-label')),
      })),
    );
    assert.deepEqual(rows, [
      { registry: 'docker.io', signedIn: 'true', as: 'as alice, from VS Code (access token)', buttons: ['Set Access Token'] },
      { registry: 'ghcr.io', signedIn: 'true', as: 'as alice, from VS Code', buttons: ['Remove Registry Credentials of ghcr.io'] },
      { registry: 'helper.example.com', signedIn: 'true', as: 'credentials from credential helper docker-credential-acme', buttons: [] },
      { registry: 'registry.example.com', signedIn: 'true', as: "as bob, from Docker's config.json", buttons: [] },
    ]);
    const html = await page.content();
    for (const secret of [alice.password, configSecret, Buffer.from(`bob:${configSecret}`).toString('base64')]) {
      assert.ok(!html.includes(secret), 'a secret is in the page');
    }

    await page.locator('.sign-in[data-registry="ghcr.io"] button').click();
    await page.locator('.sign-in[data-registry="docker.io"] button').click();
    await page.locator('.section[aria-label="Registry sign-ins"] button', { hasText: 'Add Registry Credentials' }).click();
    await waitUntil(() => explorer!.actions.commands.length === 3, 'the three commands');
    assert.deepEqual(explorer.actions.commands, ['removeRegistryCredentials ghcr.io', 'setToken', 'addRegistryCredentials']);
    await assertNoHorizontalOverflow(page, 'home with sign-ins');
    await page.screenshot({ path: join(IMAGES, 'explorer-sign-ins-dark.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
  });
});
