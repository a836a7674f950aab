import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ServerConnection } from '../../extension/src/serverConnection';
import { explorerHtml } from '../../webview/src/page';
import { rig } from '../rig/mocha-hooks';
import { openExplorer, received, serverEnvironment, type Explorer } from './harness';

interface Reply {
  type: 'reply';
  id: number | null;
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

describe('explorer webview: messages between page and extension', function () {
  let explorer: Explorer | undefined;
  let cleanup: (() => Promise<void>) | undefined;

  afterEach(async function () {
    this.timeout(20_000);
    await explorer?.close();
    await cleanup?.();
    explorer = undefined;
  });

  async function open(): Promise<Explorer> {
    const environment = await serverEnvironment(rig());
    cleanup = environment.cleanup;
    explorer = await openExplorer({ serverEnv: environment.env });
    return explorer;
  }

  /**
   * Posts raw messages through the page's own acquireVsCodeApi and waits for as many replies. Replies to the page's
   * own requests (the home view's, still on their way) are not counted: only those with the ids sent, or with none.
   */
  async function send(page: Explorer['page'], messages: unknown[]): Promise<Reply[]> {
    const ids = messages.map((message) => (message as { id?: unknown } | null)?.id).filter((id): id is number => typeof id === 'number' && id >= 0);
    const ours = (all: unknown[]) => (all as Reply[]).filter((reply) => reply?.type === 'reply' && (reply.id === null || ids.includes(reply.id)));
    const before = (await received(page)).length;
    await page.evaluate((raw) => raw.forEach((message) => (window as any).__vscodeApi.postMessage(message)), messages);
    await page.waitForFunction(
      ({ count, sent, total }) =>
        ((window as any).__received as any[]).slice(count).filter((reply) => reply?.type === 'reply' && (reply.id === null || sent.includes(reply.id))).length >= total,
      { count: before, sent: ids, total: messages.length },
    );
    return ours((await received(page)).slice(before));
  }

  it('answers malformed and unknown messages with a clear error, and keeps working', async function () {
    const { page, client, actions } = await open();
    // A first real request starts the server, so its pid can be compared afterwards.
    await page.locator('#search-input').fill('demo');
    await page.locator('#search-results .list-item').first().waitFor();
    const pid = client.serverPid;
    assert.ok(pid, 'the server runs');

    const cases: Array<{ message: unknown; id: number | null; code: string; says: RegExp }> = [
      { message: null, id: null, code: 'PROTOCOL', says: /must be a JSON object with a "type" field, not null/ },
      { message: 42, id: null, code: 'PROTOCOL', says: /not a number/ },
      { message: 'callTool', id: null, code: 'PROTOCOL', says: /not "callTool"/ },
      { message: [], id: null, code: 'PROTOCOL', says: /not an array/ },
      { message: { id: 900 }, id: 900, code: 'PROTOCOL', says: /unknown message type; the explorer sends only callTool, copy, openDockerfile, openLink/ },
      { message: { type: 'eval', id: 901, code: 'alert(1)' }, id: 901, code: 'PROTOCOL', says: /unknown message type/ },
      { message: { type: 'callTool', id: 902, tool: 'docker_delete_tag', args: { image: 'demo:1.0' } }, id: 902, code: 'PROTOCOL', says: /"docker_delete_tag" is not a tool the explorer calls/ },
      { message: { type: 'callTool', id: 903, tool: 'docker_list_tags', args: { image: { $gt: '' } } }, id: 903, code: 'PROTOCOL', says: /field "args.image" must be a string, a number or a boolean/ },
      { message: { type: 'callTool', id: 904, tool: 'docker_list_tags' }, id: 904, code: 'PROTOCOL', says: /field "args" must be an object and is missing/ },
      { message: { type: 'openLink', id: 905, url: 'javascript:alert(1)' }, id: 905, code: 'PROTOCOL', says: /only http and https links open/ },
      { message: { type: 'openLink', id: 906, url: 'file:///etc/passwd' }, id: 906, code: 'PROTOCOL', says: /only http and https links open/ },
      { message: { type: 'copy', id: 907, text: 'x', label: 'x', extra: true }, id: 907, code: 'PROTOCOL', says: /a field the explorer does not send: "extra"/ },
      { message: { type: 'copy', id: -1, text: 'x', label: 'x' }, id: null, code: 'PROTOCOL', says: /field "id"/ },
      { message: { type: 'openDockerfile', id: 908, content: 'x'.repeat(1_000_001) }, id: 908, code: 'PROTOCOL', says: /field "content"/ },
      { message: { type: 'callTool', id: 909, tool: 'docker_get_manifest', args: { image: 'Not A Reference!' } }, id: 909, code: 'INVALID_INPUT', says: /argument "image" is not a valid image reference/ },
      { message: { type: 'runCommand', id: 910, command: 'removeRegistryCredentials', registry: 'ghcr.io/../x' }, id: 910, code: 'PROTOCOL', says: /field "registry" is invalid: must be a registry host/ },
      { message: { type: 'cancel', id: 911, request: 'all' }, id: 911, code: 'PROTOCOL', says: /field "request" must be a number/ },
    ];
    const replies = await send(page, cases.map((entry) => entry.message));
    assert.equal(replies.length, cases.length);
    const unmatched = replies.filter((reply) => reply.id === null);
    for (const entry of cases) {
      // A message without a usable id is answered with id null; those replies are told apart by their words.
      const reply = entry.id === null ? unmatched.find((candidate) => entry.says.test(candidate.error?.message ?? '')) : replies.find((candidate) => candidate.id === entry.id);
      const what = JSON.stringify(entry.message)?.slice(0, 60);
      assert.ok(reply, `a reply to ${what}`);
      assert.equal(reply.type, 'reply');
      assert.equal(reply.ok, false, `${what} is refused`);
      assert.equal(reply.error?.code, entry.code, what);
      assert.match(reply.error?.message ?? '', entry.says);
    }
    assert.deepEqual(actions.links, [], 'no refused link was opened');
    assert.deepEqual(actions.copies, []);

    // A refusal no request of the page waits for is shown to the person, not swallowed.
    assert.match(await page.locator('.banner').innerText(), /a message must be a JSON object|field "id"|not a valid image reference/);

    // Nothing crashed: same server process, and the page still works.
    assert.equal(client.serverPid, pid);
    await page.locator('#search-input').fill('base');
    await page.locator('#search-results .list-item[data-repository="base"]').waitFor();
    const [ok] = await send(page, [{ type: 'callTool', id: 950, tool: 'docker_cache_info', args: {} }]);
    assert.equal(ok.ok, true);
  });

  it('starts the server again when it died', async function () {
    const { page, client } = await open();
    await page.locator('#search-input').fill('demo');
    await page.locator('#search-results .list-item').first().waitFor();
    const first = client.serverPid;
    assert.ok(first);
    process.kill(first, 'SIGKILL');
    for (let attempt = 0; attempt < 200 && client.serverPid === first; attempt++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.equal(client.serverPid, undefined, 'the client saw the server stop');

    await page.locator('#search-input').fill('base');
    await page.locator('#search-results .list-item[data-repository="base"]').waitFor();
    assert.ok(client.serverPid && client.serverPid !== first, 'a new server answers');
  });

  it('restarts its server with the new environment when the token changes', async function () {
    const anonymous = await serverEnvironment(rig());
    const loggedIn = await serverEnvironment(rig(), { login: true });
    let current = anonymous.env;
    const lines: string[] = [];
    const log = { debug: (m: string) => lines.push(m), info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const client = new ServerConnection(
      { command: process.execPath, args: [join(__dirname, '..', '..', 'server', 'dist', 'index.js')], environment: async () => current },
      log as never,
    );
    try {
      const before = await client.callTool('docker_cache_info' as never, {});
      assert.equal(before.ok, true);
      const first = client.serverPid;
      current = loggedIn.env;
      await client.restart();
      const after = await client.callTool('docker_cache_info' as never, {});
      assert.equal(after.ok, true);
      assert.ok(client.serverPid && client.serverPid !== first, 'a new server with the new environment answers');
      const namespaces = await client.callTool('docker_list_namespaces' as never, {});
      assert.equal(namespaces.ok, true, JSON.stringify(namespaces));
    } finally {
      await client.dispose();
      await anonymous.cleanup();
      await loggedIn.cleanup();
    }
  });

  it('builds a fresh nonce for every load of the page', function () {
    const assets = { cspSource: 'vscode-webview://x', scriptUri: 'a.js', styleUri: 'a.css', codiconUri: 'c.css' };
    const nonceOf = (html: string) => /script-src 'nonce-([^']+)'/.exec(html)?.[1];
    const first = explorerHtml(assets);
    const second = explorerHtml(assets);
    assert.ok(nonceOf(first));
    assert.notEqual(nonceOf(first), nonceOf(second));
    assert.ok(first.includes(`<script nonce="${nonceOf(first)}" src="a.js">`));
    assert.equal((first.match(/<script/g) ?? []).length, 1, 'one script, the bundle');
  });
});
