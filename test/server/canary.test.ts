import { StringDecoder } from 'node:string_decoder';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { TOOLS } from '../../server/src/tools';
import { startRig, type Rig } from '../rig';

const ROOT = join(__dirname, '..', '..');
/** Held by every server of this file, though stdio never uses it: a secret held is a secret to keep. */
const HTTP_TOKEN = `http-canary-${randomBytes(16).toString('hex')}`;
const BUNDLE = join(ROOT, 'server', 'dist', 'index.js');

/** A PAT-shaped secret nobody else uses, so any appearance of it (or of its parts) is a leak. */
function canary(): { pat: string; forms: string[] } {
  const core = `CANARY${randomBytes(12).toString('hex')}`;
  const pat = `dckr_pat_${core}`;
  return {
    pat,
    forms: [pat, core, Buffer.from(`alice:${pat}`).toString('base64'), Buffer.from(`alice:${pat}`).toString('base64url')],
  };
}

/** Records every byte the server writes to stdout, beside the SDK's own reading of it. */
class RecordingStdioTransport extends StdioClientTransport {
  stdout = '';
  override async start(): Promise<void> {
    await super.start();
    // The SDK exposes stderr but not stdout; the process exists once start() resolves, before any request is sent.
    const child = (this as unknown as { _process?: ChildProcess })._process;
    assert.ok(child?.stdout, 'the server process has a stdout');
    // A decoder of our own: a chunk may end inside a character, and the SDK reads the same stream as bytes.
    const decoder = new StringDecoder('utf8');
    child.stdout.on('data', (chunk: Buffer) => (this.stdout += decoder.write(chunk)));
  }
}

interface Running {
  client: Client;
  transport: RecordingStdioTransport;
  stderr: () => string;
}

/** Every tool, with calls that succeed and calls that fail, against the canary rig. */
const CALLS: { tool: string; args: Record<string, unknown>; expect: 'ok' | 'error' }[] = [
  { tool: 'docker_search_images', args: { query: 'nginx' }, expect: 'ok' },
  { tool: 'docker_search_images', args: { query: '' }, expect: 'error' },
  { tool: 'docker_get_image_details', args: { image: 'alice/private-app' }, expect: 'ok' },
  { tool: 'docker_get_image_details', args: { image: 'alice/no-such-repository' }, expect: 'error' },
  { tool: 'docker_get_stats', args: { image: 'demo' }, expect: 'ok' },
  { tool: 'docker_list_tags', args: { image: 'alice/private-app' }, expect: 'ok' },
  { tool: 'docker_list_tags', args: { image: 'ghcr.io/owner/app' }, expect: 'ok' },
  { tool: 'docker_get_tag_details', args: { image: 'demo:latest' }, expect: 'ok' },
  { tool: 'docker_get_tag_details', args: { image: 'demo:no-such-tag' }, expect: 'error' },
  { tool: 'docker_get_manifest', args: { image: 'alice/private-app:1' }, expect: 'ok' },
  { tool: 'docker_get_manifest', args: { image: 'alice/no-such-repository:1' }, expect: 'error' },
  { tool: 'docker_inspect_image', args: { image: 'alice/private-app:1' }, expect: 'ok' },
  { tool: 'docker_analyze_layers', args: { image: 'app:1' }, expect: 'ok' },
  { tool: 'docker_get_image_history', args: { image: 'app:1' }, expect: 'ok' },
  { tool: 'docker_get_dockerfile', args: { image: 'app:1' }, expect: 'ok' },
  { tool: 'docker_compare_images', args: { image_a: 'base:1', image_b: 'app:1' }, expect: 'ok' },
  { tool: 'docker_estimate_pull_size', args: { image: 'app:1' }, expect: 'ok' },
  { tool: 'docker_list_image_files', args: { image: 'alice/private-app:1', path: '**' }, expect: 'ok' },
  { tool: 'docker_find_in_image', args: { image: 'app:1', pattern: '**/server' }, expect: 'ok' },
  { tool: 'docker_analyze_efficiency', args: { image: 'app:1', lowest_efficiency: 0.5 }, expect: 'ok' },
  { tool: 'docker_track_base_updates', args: { image: 'app:1' }, expect: 'ok' },
  { tool: 'docker_get_attestations', args: { image: 'demo:latest' }, expect: 'ok' },
  { tool: 'docker_get_vulnerabilities', args: { image: 'app:1' }, expect: 'ok' },
  { tool: 'docker_get_vulnerabilities', args: { image: 'app2:1' }, expect: 'error' },
  { tool: 'docker_check_rate_limit', args: {}, expect: 'ok' },
  { tool: 'docker_check_rate_limit', args: { image: 'alice/private-app:1' }, expect: 'ok' },
  { tool: 'docker_list_repositories', args: { namespace: 'alice' }, expect: 'ok' },
  { tool: 'docker_list_namespaces', args: {}, expect: 'ok' },
  { tool: 'docker_cache_info', args: {}, expect: 'ok' },
  { tool: 'docker_create_repository', args: { namespace: 'alice', name: 'canary-app', description: 'leak test' }, expect: 'ok' },
  { tool: 'docker_create_repository', args: { namespace: 'bob', name: 'not-hers' }, expect: 'error' },
  { tool: 'docker_update_repository', args: { image: 'alice/canary-app', description: 'still a leak test' }, expect: 'ok' },
  { tool: 'docker_update_repository', args: { image: 'bob/not-hers', description: 'x' }, expect: 'error' },
  { tool: 'docker_delete_tag', args: { image: 'alice/private-app:no-such-tag', confirm: 'no-such-tag' }, expect: 'error' },
  { tool: 'docker_delete_tag', args: { image: 'alice/private-app:1', confirm: '1' }, expect: 'ok' },
  { tool: 'docker_cache_clear', args: {}, expect: 'ok' },
];

describe('the PAT never leaves the built server (canary)', function () {
  this.timeout(120_000);
  let canaryRig: Rig;
  let cacheDir: string;
  const secret = canary();
  const running: Running[] = [];

  async function launch(token: string): Promise<Running> {
    const transport = new RecordingStdioTransport({
      command: process.execPath,
      args: [BUNDLE],
      env: {
        ...canaryRig.env,
        DOCKERHUB_USERNAME: 'alice',
        DOCKERHUB_TOKEN: token,
        DOCKERHUB_MCP_LOG_LEVEL: 'debug',
        DOCKERHUB_MCP_CACHE_DIR: cacheDir,
        DOCKERHUB_MCP_HTTP_TOKEN: HTTP_TOKEN,
        PATH: process.env.PATH ?? '',
      },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'canary', version: '1.0.0' });
    await client.connect(transport);
    const handle = { client, transport, stderr: () => stderr };
    running.push(handle);
    return handle;
  }

  function assertNoLeak(where: string, text: string): void {
    for (const form of secret.forms) assert.ok(!text.includes(form), `${where} contains the PAT (${form.slice(0, 12)}…)`);
    // Every other secret the server holds or obtained: the HTTP token, Hub access tokens, registry tokens.
    const obtained = [...canaryRig.hub.issuedTokens(), ...canaryRig.tokenServer.issued()].flatMap((token) => [token, token.split('.')[2]]);
    for (const form of [HTTP_TOKEN, Buffer.from(HTTP_TOKEN).toString('base64'), ...obtained]) {
      assert.ok(!text.includes(form), `${where} contains a secret the server held (${form.slice(0, 12)}…)`);
    }
  }

  before(async () => {
    const build = spawnSync(process.execPath, ['esbuild.mjs', 'server'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `the server bundle builds: ${build.stderr}`);
    canaryRig = await startRig({ alicePat: secret.pat });
    cacheDir = mkdtempSync(join(tmpdir(), 'dhm-canary-'));
  });

  after(async () => {
    await Promise.all(running.splice(0).map((r) => r.client.close()));
    await canaryRig?.stop();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  it('calls every tool, logging at debug, and shows the PAT nowhere', async () => {
    const server = await launch(secret.pat);
    for (const call of CALLS) {
      const result = await server.client.callTool({ name: call.tool, arguments: call.args });
      const text = ((result.content ?? []) as { text?: string }[]).map((c) => c.text ?? '').join('\n');
      assert.equal(result.isError === true, call.expect === 'error', `${call.tool} ${JSON.stringify(call.args)}: ${text.slice(0, 200)}`);
      assertNoLeak(`${call.tool} result`, JSON.stringify(result));
    }
    const namespaces = await server.client.callTool({ name: 'docker_list_namespaces', arguments: {} });
    assert.match(JSON.stringify(namespaces.structuredContent), /alice/, 'the PAT was really used: alice is logged in');

    const called = new Set(CALLS.map((call) => call.tool));
    assert.deepEqual(TOOLS.map((t) => t.name).filter((name) => !called.has(name)), [], 'every tool is called');
    assert.match(server.stderr(), / DEBUG /, 'debug logging was on');
    assert.ok(canaryRig.hub.issuedTokens().length > 0 && canaryRig.tokenServer.issued().length > 0, 'tokens were obtained, and looked for');
    assert.match(server.stderr(), /logged in to Docker Hub/);
    assertNoLeak('stderr', server.stderr());
    assertNoLeak('stdout', server.transport.stdout);
    assert.ok(server.transport.stdout.length > 0, 'stdout was recorded');
  });

  it('does not show a refused PAT either, in the error or the logs', async () => {
    const refused = canary();
    secret.forms.push(...refused.forms);
    const server = await launch(refused.pat);
    for (const call of [
      { tool: 'docker_list_namespaces', args: {} },
      { tool: 'docker_get_vulnerabilities', args: { image: 'app:1' } },
      { tool: 'docker_get_manifest', args: { image: 'alice/private-app:1' } },
    ]) {
      const result = await server.client.callTool({ name: call.tool, arguments: call.args });
      assert.equal(result.isError, true, `${call.tool} fails with a refused PAT`);
      assert.match(((result.content ?? []) as { text: string }[])[0].text, /^(UNAUTHORIZED|NOT_FOUND): /);
      assertNoLeak(`${call.tool} error`, JSON.stringify(result));
    }
    assertNoLeak('stderr', server.stderr());
    assertNoLeak('stdout', server.transport.stdout);
  });
});
