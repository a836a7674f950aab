import assert from 'node:assert/strict';
import { rig } from '../rig/mocha-hooks';
import { cspViolations, foreignRequests, openExplorer, serverEnvironment, type Explorer } from './harness';

// Every way a README could run code or make the page fetch something. Each payload sets window.__pwned or asks a
// foreign host for something, so either a script running or a request leaving is seen.
const HOSTILE_README = `# Hostile README

<script>window.__pwned = 'script'; document.title = 'owned'</script>
<img src="https://tracker.example/pixel.png" onerror="window.__pwned = 'img onerror'">
<img src="x" onerror="window.__pwned = 'relative img onerror'">
<iframe src="https://evil.example/frame"></iframe>
<iframe srcdoc="<script>parent.__pwned = 'srcdoc'</script>"></iframe>
<svg onload="window.__pwned = 'svg onload'"><script>window.__pwned = 'svg script'</script></svg>
<object data="https://evil.example/object.swf"></object>
<embed src="https://evil.example/embed.swf">
<link rel="stylesheet" href="https://evil.example/linked.css">
<style>@import url(https://evil.example/imported.css); body { background: url(https://evil.example/body.png) }</style>
<meta http-equiv="refresh" content="0;url=https://evil.example/refresh">
<base href="https://evil.example/">
<form action="https://evil.example/form"><input name="q" autofocus onfocus="window.__pwned = 'onfocus'"><button>go</button></form>
<table background="https://evil.example/table.png"><tr><td background="https://evil.example/td.png">cell</td></tr></table>
<video poster="https://evil.example/poster.png" src="https://evil.example/video.mp4"></video>
<div style="background: url(https://evil.example/style.png)">styled</div>
<p id="clickable" onclick="window.__pwned = 'onclick'">click me</p>
<a id="js-link" href="javascript:window.__pwned = 'javascript: link'">a javascript link</a>
<a id="data-link" href="data:text/html,<script>alert(1)</script>">a data link</a>
<details open ontoggle="window.__pwned = 'ontoggle'"><summary>toggle</summary>inside</details>

[markdown javascript link](javascript:void(window.__pwned=1))

![tracking pixel](https://tracker.example/markdown.png)

[the Docker docs](https://docs.docker.com/)
`;

async function createHostileRepository(): Promise<void> {
  const hubUrl = rig().hub?.url;
  if (!hubUrl) throw new Error('the Hub emulator is not running');
  const alice = rig().users.find((user) => user.username === 'alice')!;
  const login = await fetch(`${hubUrl}/v2/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: alice.username, secret: alice.password }),
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const body = JSON.stringify({ description: 'A repository whose README attacks its readers.', full_description: HOSTILE_README });
  const existing = await fetch(`${hubUrl}/v2/repositories/alice/hostile/`);
  const response =
    existing.status === 404
      ? await fetch(`${hubUrl}/v2/namespaces/alice/repositories`, { method: 'POST', headers, body: JSON.stringify({ name: 'hostile', is_private: false, ...JSON.parse(body) }) })
      : await fetch(`${hubUrl}/v2/repositories/alice/hostile/`, { method: 'PATCH', headers, body });
  assert.ok(response.ok, `the emulator stored the README (HTTP ${response.status})`);
}

describe('explorer webview: a hostile README', function () {
  let explorer: Explorer | undefined;
  let cleanup: (() => Promise<void>) | undefined;

  before(async function () {
    await createHostileRepository();
  });

  afterEach(async function () {
    this.timeout(20_000);
    await explorer?.close();
    await cleanup?.();
    explorer = undefined;
  });

  it('runs no script and loads nothing from anywhere: scripts, handlers, remote images, iframes and javascript: links are dropped', async function () {
    const environment = await serverEnvironment(rig());
    cleanup = environment.cleanup;
    explorer = await openExplorer({
      serverEnv: environment.env,
      initialState: { version: 1, route: { view: 'repository', repository: 'alice/hostile', tagFilter: '', tagCursors: [], readmeOpen: true }, back: [] },
    });
    const { page, actions } = explorer;
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => dialogs.push(dialog.message()));

    await page.locator('.markdown h1', { hasText: 'Hostile README' }).waitFor();
    const readme = page.locator('.markdown');
    assert.match(await readme.innerText(), /the Docker docs/);

    const leftovers = await readme.evaluate((root) => ({
      elements: Array.from(root.querySelectorAll('script, iframe, img, svg, object, embed, link, style, meta, base, form, input, button, video, audio, source')).map((element) => element.tagName),
      handlers: Array.from(root.querySelectorAll('*')).flatMap((element) => element.getAttributeNames().filter((name) => name.startsWith('on') || name === 'style' || name === 'background' || name === 'srcdoc')),
      hrefs: Array.from(root.querySelectorAll('a[href]')).map((link) => link.getAttribute('href')),
    }));
    assert.deepEqual(leftovers.elements, []);
    assert.deepEqual(leftovers.handlers, []);
    assert.deepEqual(leftovers.hrefs.sort(), ['https://docs.docker.com/', 'https://tracker.example/markdown.png'], 'only http(s) links are kept');
    assert.match(await readme.innerText(), /image: tracking pixel/, 'a markdown image becomes a link, not a request');

    // Clicking what the README offers: nothing runs; only the real link goes to VS Code to open.
    for (const label of ['click me', 'a javascript link', 'a data link', 'markdown javascript link', 'toggle']) {
      await page.getByText(label, { exact: true }).click();
    }
    await page.getByText('the Docker docs', { exact: true }).click();
    await page.waitForFunction(() => true);
    for (let attempt = 0; attempt < 40 && actions.links.length === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.deepEqual(actions.links, ['https://docs.docker.com/']);
    assert.equal(page.url(), `${explorer.origin}/`, 'no link navigated the page');

    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined, 'no payload ran');
    assert.equal(await page.title(), 'Docker Hub');
    assert.deepEqual(dialogs, []);
    // Chromium checks inline attributes, <style> and <base> against the page's CSP even while parsing into the inert
    // document the sanitiser reads, and reports them; those are expected. What must not appear is a fetch or a script
    // the live page attempted: the sanitised README never got as far as asking.
    const parsingChecks = new Set(['script-src-attr', 'style-src-attr', 'style-src-elem', 'base-uri']);
    assert.deepEqual((await cspViolations(page)).filter((violation) => !parsingChecks.has(violation.directive)), []);
    assert.deepEqual(foreignRequests(explorer), [], 'no request left the page');
  });

  it('the page CSP refuses a script without the nonce, so a sanitiser slip could still not run code', async function () {
    const environment = await serverEnvironment(rig());
    cleanup = environment.cleanup;
    explorer = await openExplorer({ serverEnv: environment.env });
    const { page } = explorer;
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(csp ?? '', /^default-src 'none'; /);
    assert.match(csp ?? '', /script-src 'nonce-[A-Za-z0-9+/=]{24}'/);
    assert.doesNotMatch(csp ?? '', /unsafe-inline|unsafe-eval/);
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = "window.__pwned = 'injected'";
      document.body.append(script);
      const image = document.createElement('img');
      image.src = 'https://evil.example/injected.png';
      document.body.append(image);
    });
    await page.waitForFunction(() => (window as any).__cspViolations.length >= 2);
    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined);
    const directives = (await cspViolations(page)).map((violation) => violation.directive).sort();
    assert.deepEqual(directives, ['img-src', 'script-src-elem']);
  });
});
