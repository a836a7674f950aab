import { strict as assert } from 'node:assert';
import type { FaultRecord, FaultRule } from '../rig/faultProxy';
import { stress } from './hooks';
import { startServer, transcripts, type ToolReply } from './helpers/server';
import { figure, summaryRow, tally } from './helpers/summary';

/*
 * Every server of this run was logged in as alice with a canary PAT and (but for the load test) logged at debug. This
 * file runs last: it adds upstreams that echo what they were sent, then looks for the canary in every byte any
 * server wrote to stdout and stderr and in every tool result and error text.
 */

function leaks(text: string, forms: string[]): string[] {
  return forms.filter((form) => text.includes(form));
}

describe('secrets: the canary PAT', function () {
  this.timeout(60_000);

  it('upstreams that echo the request (headers, body) back in errors do not carry the PAT into results or logs', async () => {
    const { proxies, canary } = stress();
    const row = summaryRow('secrets', 'echoing upstreams');
    const reflecting: [keyof typeof proxies, FaultRule, string, Record<string, unknown>][] = [];
    for (const status of [400, 401, 403, 500]) {
      reflecting.push(['hub', { path: '/v2/auth/token', times: Infinity, fault: { type: 'reflect', status } }, 'docker_list_namespaces', {}]);
      reflecting.push(['token', { times: Infinity, fault: { type: 'reflect', status } }, 'docker_inspect_image', { image: 'alice/private-app:1' }]);
      reflecting.push(['registry', { path: '/manifests/', times: Infinity, fault: { type: 'reflect', status } }, 'docker_get_manifest', { image: 'alice/private-app:1' }]);
      reflecting.push(['hub', { path: '/v1/graphql', times: Infinity, fault: { type: 'reflect', status } }, 'docker_get_vulnerabilities', { image: 'app:1' }]);
    }
    for (const [proxy, rule, tool, args] of reflecting) {
      await tally(row, async () => {
        const server = await startServer(`secrets: ${proxy} reflects ${(rule.fault as { status: number }).status}`);
        proxies[proxy].inject(rule);
        const reply: ToolReply = await server.callTool(tool, args);
        assert.equal(reply.isError, true, `${tool} fails against an echoing ${proxy}: ${reply.text.slice(0, 200)}`);
        assert.match(reply.text, /^[A-Z_]+: /);
        assert.deepEqual(leaks(JSON.stringify(reply), canary.forms), [], `${tool} result`);
        await server.close();
        assert.deepEqual(leaks(server.stderr(), canary.forms), [], `${tool} stderr`);
        assert.deepEqual(leaks(server.stdout(), canary.forms), [], `${tool} stdout`);
        proxies[proxy].clear();
      });
    }
    const basicTo = Object.values(proxies)
      .filter((proxy) => proxy.name !== 'token')
      .flatMap((proxy) => proxy.requests().filter((record: FaultRecord) => record.authorization === 'basic').map((record: FaultRecord) => `${proxy.name} ${record.path}`));
    assert.deepEqual(basicTo, [], 'Basic credentials (the PAT) went only to the token service');
    assert.ok(proxies.cdn.requests().every((record) => record.authorization === 'none'), 'the CDN never got an Authorization');
    figure(row, `${reflecting.length} echoing replies (400/401/403/500 from login, token service, registry, Scout)`);
  });

  it('appears nowhere in the stdout, stderr, results or errors of any server of this run', () => {
    const { canary, rig } = stress();
    // Every other secret the servers obtained too: Hub access tokens and registry tokens (whole, their signature, base64).
    const obtained = [...rig.hub.issuedTokens(), ...rig.tokenServer.issued()];
    const obtainedForms = obtained.flatMap((token) => [token, token.split('.')[2], Buffer.from(token).toString('base64').slice(0, 64)]);
    const secretForms = [...canary.forms, ...obtainedForms.filter((form) => form && form.length >= 16)];
    const row = summaryRow('secrets', 'canary across the whole run');
    let bytes = 0;
    let debugLines = 0;
    const found: string[] = [];
    for (const transcript of transcripts) {
      for (const [stream, text] of [
        ['stdout', transcript.stdout()],
        ['stderr', transcript.stderr()],
        ['results', transcript.replies()],
      ] as const) {
        row.tried++;
        bytes += text.length;
        if (stream === 'stderr') debugLines += (text.match(/ DEBUG /g) ?? []).length;
        const leaked = leaks(text, secretForms);
        if (leaked.length > 0) found.push(`${transcript.label} ${stream}: ${leaked.map((form) => form.slice(0, 14)).join(', ')}`);
        else row.passed++;
      }
    }
    figure(row, `${transcripts.length} servers, ${(bytes / 1024 / 1024).toFixed(1)} MiB scanned for ${obtained.length} tokens and the PAT, ${debugLines} debug lines`);
    assert.ok(transcripts.length > 0, 'servers ran');
    assert.ok(debugLines > 0, 'debug logging was on');
    assert.ok(rig.hub.issuedTokens().length > 0 && rig.tokenServer.issued().length > 0, 'Hub and registry tokens were obtained and scanned for');
    assert.ok(transcripts.some((transcript) => /logged in to Docker Hub/.test(transcript.stderr())), 'the canary PAT was really used to log in');
    assert.deepEqual(found, []);
  });
});
