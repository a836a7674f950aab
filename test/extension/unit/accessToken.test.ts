import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import {
  TokenRejectedError,
  accessTokenFormProblem,
  accessTokenKind,
  verifyAccessToken,
} from '../../../extension/src/accessToken';
import { startHubEmulator, type HubEmulator } from '../../rig/hub/emulator';
import { ALICE_DEFAULT_PAT, buildCatalogue, rigUsers } from '../../rig/images';

describe('access token form', () => {
  it('accepts personal and organisation access tokens', () => {
    assert.equal(accessTokenFormProblem(ALICE_DEFAULT_PAT), undefined);
    assert.equal(accessTokenFormProblem('dckr_pat_FakeExampleToken0000000000000'), undefined);
    assert.equal(accessTokenFormProblem('dckr_oat_FakeExampleOrgToken000000000'), undefined);
    assert.equal(accessTokenFormProblem(`  ${ALICE_DEFAULT_PAT}\n`), undefined, 'surrounding white space from a paste is fine');
  });

  it('refuses a password, with a sentence saying what a token looks like', () => {
    assert.match(accessTokenFormProblem('hunter2hunter2') ?? '', /begins with "dckr_pat_".*password is not accepted/);
  });

  it('refuses empty, cut-off and spaced tokens', () => {
    assert.match(accessTokenFormProblem('') ?? '', /Paste/);
    assert.match(accessTokenFormProblem('dckr_pat_short') ?? '', /whole access token/);
    assert.match(accessTokenFormProblem('dckr_pat_abc def ghi jkl mno pqr stu') ?? '', /no spaces/);
    assert.match(accessTokenFormProblem('dckr_pat_has$strange!characters0000000') ?? '', /whole access token/);
  });

  it('tells personal from organisation tokens', () => {
    assert.equal(accessTokenKind(ALICE_DEFAULT_PAT), 'personal');
    assert.equal(accessTokenKind('dckr_oat_FakeExampleOrgToken000000000'), 'organisation');
  });
});

describe('access token verification against the Hub emulator', () => {
  let hub: HubEmulator;
  before(async () => {
    hub = await startHubEmulator({ images: buildCatalogue().catalogue, users: rigUsers() });
  });
  after(() => hub.stop());
  afterEach(() => hub.control.disableAuthTokenEndpoint(false));

  it('logs in with POST /v2/auth/token and names the account from the access token', async () => {
    hub.resetRequests();
    const login = await verifyAccessToken({ hubApiUrl: hub.url, identifier: 'alice', token: ALICE_DEFAULT_PAT });
    assert.deepEqual(login, { username: 'alice', endpoint: '/v2/auth/token' });
    assert.deepEqual(
      hub.requests().map((r) => `${r.method} ${r.path}`),
      ['POST /v2/auth/token'],
    );
  });

  it('falls back to /v2/users/login where /v2/auth/token is absent', async () => {
    hub.control.disableAuthTokenEndpoint(true);
    const login = await verifyAccessToken({ hubApiUrl: `${hub.url}/`, identifier: 'alice', token: ALICE_DEFAULT_PAT });
    assert.deepEqual(login, { username: 'alice', endpoint: '/v2/users/login' });
  });

  it('reports a refused token as TokenRejectedError without repeating the token', async () => {
    const wrong = 'dckr_pat_wrongCanaryToken000000000000';
    const err = await verifyAccessToken({ hubApiUrl: hub.url, identifier: 'alice', token: wrong }).then(
      () => assert.fail('a wrong token was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TokenRejectedError, String(err));
    assert.match(err.message, /refused the token for "alice" \(incorrect username or password\)/);
    assert.ok(!err.message.includes(wrong));
  });

  it('reports a token for another account as refused', async () => {
    await assert.rejects(verifyAccessToken({ hubApiUrl: hub.url, identifier: 'bob', token: ALICE_DEFAULT_PAT }), TokenRejectedError);
  });

  it('says which server it could not reach, never what it sent', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const err = await verifyAccessToken({ hubApiUrl: `http://127.0.0.1:${closedPort}`, identifier: 'alice', token: ALICE_DEFAULT_PAT }).then(
      () => assert.fail('an unreachable Hub verified the token'),
      (e: unknown) => e as Error,
    );
    assert.ok(!(err instanceof TokenRejectedError));
    assert.match(err.message, new RegExp(`could not reach http://127\\.0\\.0\\.1:${closedPort}`));
    assert.ok(!err.message.includes(ALICE_DEFAULT_PAT));
  });

  it('never sends the token over plain http to a host that is not loopback', async () => {
    await assert.rejects(
      verifyAccessToken({ hubApiUrl: 'http://hub.example.com', identifier: 'alice', token: ALICE_DEFAULT_PAT, fetch: () => assert.fail('a request was made') }),
      /refusing to send the token to http:\/\/hub\.example\.com: use https/,
    );
    await assert.rejects(verifyAccessToken({ hubApiUrl: 'not a url', identifier: 'alice', token: ALICE_DEFAULT_PAT }), /not an absolute URL/);
  });

  it('reports a server error with its status', async () => {
    hub.control.failNext(1, 503, { path: '/v2/auth/token' });
    await assert.rejects(
      verifyAccessToken({ hubApiUrl: hub.url, identifier: 'alice', token: ALICE_DEFAULT_PAT }),
      (err: Error) => !(err instanceof TokenRejectedError) && /answered HTTP 503/.test(err.message),
    );
  });
});
