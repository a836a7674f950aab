import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpServer, type HttpServerProcess } from './helpers/httpServer';

// The MCP conformance suite needs Node 22; it runs from the node@22 npm package, installed once into a cache
// outside the repository (a test tool only: the product stays on Node 20).
const CACHE = join(process.env.DOCKERHUB_MCP_TEST_CACHE ?? join(homedir(), '.cache', 'dockerhub-mcp-test'), 'conformance-0.1.16');

/** Scenarios that apply to a server with our capabilities (tools, resources, prompts, logging) over HTTP. */
const APPLICABLE = ['server-initialize', 'ping', 'logging-set-level', 'tools-list', 'resources-list', 'prompts-list', 'dns-rebinding-protection'];

function ensureConformance(): { node: string; cli: string } {
  const node = join(CACHE, 'node_modules', 'node', 'bin', 'node');
  const cli = join(CACHE, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  if (!existsSync(node) || !existsSync(cli)) {
    mkdirSync(CACHE, { recursive: true });
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', CACHE, 'node@22', '@modelcontextprotocol/conformance@0.1.16'], {
      stdio: 'ignore',
    });
  }
  return { node, cli };
}

describe('MCP conformance suite (streamable HTTP)', function () {
  this.timeout(240_000);
  let server: HttpServerProcess;
  let tool: { node: string; cli: string };
  const results: { scenario: string; passed: boolean; detail: string }[] = [];

  before(async () => {
    tool = ensureConformance();
    server = await startHttpServer(['--allow-unauthenticated']);
  });

  after(() => {
    server?.child.kill('SIGTERM');
    if (results.length > 0) {
      process.stderr.write(`\n    conformance: ${results.filter((r) => r.passed).length}/${results.length} scenarios passed\n`);
      for (const r of results) process.stderr.write(`      ${r.passed ? 'pass' : 'FAIL'}  ${r.scenario}${r.passed ? '' : `  ${r.detail}`}\n`);
    }
  });

  for (const scenario of APPLICABLE) {
    it(`passes ${scenario}`, () => {
      const work = mkdtempSync(join(tmpdir(), 'dhm-conformance-'));
      try {
        const run = spawnSync(tool.node, [tool.cli, 'server', '--url', server.url, '--scenario', scenario], {
          cwd: work,
          encoding: 'utf8',
          timeout: 60_000,
        });
        const output = `${run.stdout}\n${run.stderr}`;
        const failures = output.split('\n').filter((line) => /FAIL|✗|failed/i.test(line) && !/0 failed/i.test(line));
        results.push({ scenario, passed: run.status === 0, detail: failures.slice(0, 3).join(' | ').slice(0, 300) });
        assert.equal(run.status, 0, output.slice(-2000));
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
});
