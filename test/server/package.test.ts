import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });

describe('standalone npm package', function () {
  this.timeout(120_000);
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'dhm-pack-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('packs only the bundle and README, with no runtime dependencies', () => {
    const [info] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], join(ROOT, 'server'))) as {
      filename: string;
      files: { path: string }[];
    }[];
    assert.deepEqual(info.files.map((f) => f.path).sort(), ['README.md', 'dist/index.js', 'package.json']);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'server', 'package.json'), 'utf8'));
    assert.equal(manifest.dependencies, undefined, 'everything the server needs is inside dist/index.js');
    assert.equal(manifest.bin['dockerhub-mcp'], 'dist/index.js');
  });

  it('installs offline into an empty folder and `npx dockerhub-mcp` answers initialize', async () => {
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{"name":"consumer","version":"1.0.0","private":true}');
    npm(['install', '--offline', '--no-package-lock', join(work, tarball)], app);
    const child = spawn('npx', ['--offline', '--no-install', 'dockerhub-mcp'], { cwd: app, stdio: ['pipe', 'pipe', 'pipe'] });
    const reply = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before answering`)));
      child.stdin.write(
        `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pack', version: '1' } } })}\n`,
      );
    });
    child.stdin.end();
    const message = JSON.parse(reply) as { id: number; result: { serverInfo: { name: string } } };
    assert.equal(message.id, 1);
    assert.equal(message.result.serverInfo.name, 'dockerhub-mcp');
  });
});
