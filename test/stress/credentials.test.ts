import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stress } from './hooks';
import { errorCode, startServer } from './helpers/server';
import { figure, summaryRow, tally } from './helpers/summary';

/*
 * Credentials on the rig (issue 12 item 1): Docker Hub's registry redirects blob GETs to its storage host; when that
 * host answers 401 with a challenge of its own, the challenge must not be answered, must not replace the registry's,
 * and nothing (least of all the PAT) may go to the host it names.
 */

describe('credentials: a 401 from the blob storage host', function () {
  this.timeout(60_000);
  let thief: Server;
  let thiefUrl = '';
  const stolen: string[] = [];

  before(async () => {
    thief = createServer((req, res) => {
      stolen.push(`${req.method} ${req.url} ${req.headers.authorization ?? 'none'}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"attacker-token"}');
    });
    await new Promise<void>((resolve) => thief.listen(0, '127.0.0.1', resolve));
    thiefUrl = `http://127.0.0.1:${(thief.address() as AddressInfo).port}`;
  });

  after(() => {
    thief.closeAllConnections();
    thief.close();
  });

  it('is an error; its realm gets nothing; the registry’s own challenge and tokens carry on', async () => {
    const { proxies } = stress();
    const row = summaryRow('secrets', 'storage host 401 with a foreign realm');
    await tally(row, async () => {
      const server = await startServer('credentials: foreign challenge');
      proxies.cdn.inject({
        path: '/blobs/',
        times: 1,
        fault: { type: 'status', status: 401, headers: { 'www-authenticate': `Bearer realm="${thiefUrl}/steal",service="evil"` } },
      });
      const refused = await server.callTool('docker_inspect_image', { image: 'alice/private-app:1' });
      assert.equal(errorCode(refused), 'UPSTREAM_ERROR', refused.text);
      assert.match(refused.text, /storage host .* refused it \(HTTP 401\)/);
      const later = await server.callTool('docker_inspect_image', { image: 'demo:1.0' });
      assert.equal(later.isError, false, later.text);
      assert.deepEqual(stolen, [], 'nothing went to the realm the storage host named');
      const basicTo = [proxies.registry, proxies.cdn, proxies.hub].flatMap((proxy) =>
        proxy.requests().filter((r) => r.authorization === 'basic' && !(proxy.name === 'hub' && r.path === '/v2/auth/token')).map((r) => `${proxy.name} ${r.path}`),
      );
      assert.deepEqual(basicTo, [], 'Basic credentials went only to the token service');
      assert.ok(proxies.cdn.requests().every((r) => r.authorization === 'none'), 'the storage host never got an Authorization');
      figure(row, `0 requests to the foreign realm; ${proxies.token.requests().length} to the registry's own`);
    });
  });
});
