import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import { accessTokenFormProblem, accessTokenKind } from '../../../extension/src/accessToken';
import { errorCodeOf, verifyHubLogin } from '../../../server/src/contract';
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

// The extension checks a new token with the server's own Hub login, through contract.ts.
describe('access token verification against the Hub emulator', () => {
  let hub: HubEmulator;
  before(async () => {
    hub = await startHubEmulator({ images: buildCatalogue().catalogue, users: rigUsers() });
  });
  after(() => hub.stop());
  afterEach(() => hub.control.disableAuthTokenEndpoint(false));

  const refused = (code: string) => (err: unknown) => errorCodeOf(err) === code;

  it('logs in with POST /v2/auth/token and names the account from the access token', async () => {
    hub.resetRequests();
    const login = await verifyHubLogin({ hubApiUrl: hub.url, username: 'alice', token: ALICE_DEFAULT_PAT });
    assert.deepEqual(login, { username: 'alice', endpoint: '/v2/auth/token' });
    assert.deepEqual(
      hub.requests().map((r) => `${r.method} ${r.path}`),
      ['POST /v2/auth/token'],
    );
  });

  it('falls back to /v2/users/login where /v2/auth/token is absent', async () => {
    hub.control.disableAuthTokenEndpoint(true);
    const login = await verifyHubLogin({ hubApiUrl: `${hub.url}/`, username: 'alice', token: ALICE_DEFAULT_PAT });
    assert.deepEqual(login, { username: 'alice', endpoint: '/v2/users/login' });
  });

  it('reports a refused token as UNAUTHORIZED without repeating the token', async () => {
    const wrong = 'dckr_pat_wrongCanaryToken000000000000';
    const err = await verifyHubLogin({ hubApiUrl: hub.url, username: 'alice', token: wrong }).then(
      () => assert.fail('a wrong token was accepted'),
      (e: unknown) => e,
    );
    assert.ok(refused('UNAUTHORIZED')(err), String(err));
    assert.match((err as Error).message, /refused the login of "alice"/);
    assert.ok(!(err as Error).message.includes(wrong));
  });

  it('reports a token for another account as refused', async () => {
    await assert.rejects(verifyHubLogin({ hubApiUrl: hub.url, username: 'bob', token: ALICE_DEFAULT_PAT }), refused('UNAUTHORIZED'));
  });

  it('tells an unreachable Docker Hub from a refused token, never repeating the token', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const err = await verifyHubLogin({ hubApiUrl: `http://127.0.0.1:${closedPort}`, username: 'alice', token: ALICE_DEFAULT_PAT }).then(
      () => assert.fail('an unreachable Hub verified the token'),
      (e: unknown) => e as Error,
    );
    assert.ok(errorCodeOf(err) !== undefined && errorCodeOf(err) !== 'UNAUTHORIZED', String(err));
    assert.ok(!err.message.includes(ALICE_DEFAULT_PAT));
  });

  it('never sends the token over plain http to a host that is not loopback', async () => {
    await assert.rejects(
      verifyHubLogin({ hubApiUrl: 'http://hub.example.com', username: 'alice', token: ALICE_DEFAULT_PAT }),
      (err: unknown) => refused('INVALID_INPUT')(err) && /must use https/.test((err as Error).message),
    );
    await assert.rejects(verifyHubLogin({ hubApiUrl: 'not a url', username: 'alice', token: ALICE_DEFAULT_PAT }), /must be an absolute URL/);
  });

  it('reports a server error as an upstream failure, not a refusal', async () => {
    hub.control.failNext(1, 503, { path: '/v2/auth/token' });
    await assert.rejects(verifyHubLogin({ hubApiUrl: hub.url, username: 'alice', token: ALICE_DEFAULT_PAT }), refused('UPSTREAM_ERROR'));
  });
});
