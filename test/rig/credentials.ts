import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { buildBase } from './images';
import { RegistryPusher, type BuiltImage } from './registry/imageBuilder';
import { launchRegistry } from './registry/launcher';
import { REGISTRY_SERVICE, TOKEN_ISSUER, startTokenServer, type TokenServer } from './registry/tokenServer';

/**
 * Registries that need credentials, beside the main rig: a real docker-registry with htpasswd (Basic), a second one
 * behind its own token server with per-user private repositories (passwords and an OAuth2 identity token), and a
 * hostile registry on another loopback port that asks every client for credentials and records what it is sent.
 * Every secret is a fresh canary: any trace of it anywhere but its own registry is a leak.
 */
export interface CredentialRig {
  basic: { url: string; host: string; username: string; password: string };
  token: {
    url: string;
    host: string;
    tokenServer: TokenServer;
    /** dave owns dave/private (password); erin owns erin/private (identity token only). */
    dave: { username: string; password: string };
    erin: { username: string; identityToken: string };
  };
  /** Answers every request 401, asking for Bearer (realm on itself) or Basic, and records what it is sent. */
  hostile: { url: string; host: string; requests: RecordedRequest[]; scheme: 'bearer' | 'basic' };
  /** A Basic registry of its own credentials that serves `image`'s manifest and redirects every blob to `hostile`. */
  redirecting: { url: string; host: string; username: string; password: string };
  /** Every canary secret and the encodings it could travel in. */
  secretForms(): string[];
  /** The image pushed everywhere: carol/app:1 (basic), dave/private:1, erin/private:1, shared/public:1 (token). */
  image: BuiltImage;
  stop(): Promise<void>;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function canary(label: string): string {
  return `CANARY${label}${randomBytes(10).toString('hex')}`;
}

export async function startCredentialRig(): Promise<CredentialRig> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const image = buildBase();
    const basicUser = { username: 'carol', password: canary('basic') };
    const basicRegistry = await launchRegistry({
      htpasswd: `${basicUser.username}:${bcrypt.hashSync(basicUser.password, 4)}\n`,
    });
    stops.push(basicRegistry.stop);
    const basicAuthorization = `Basic ${Buffer.from(`${basicUser.username}:${basicUser.password}`).toString('base64')}`;
    await new RegistryPusher(basicRegistry.url, () => basicAuthorization).push('carol/app', image, ['1']);

    const dave = { username: 'dave', password: canary('token') };
    const erin = { username: 'erin', identityToken: canary('identity') };
    const tokenServer = await startTokenServer({
      users: [
        { username: dave.username, password: dave.password, namespaces: ['dave'] },
        { username: erin.username, password: canary('unused'), namespaces: ['erin'] },
      ],
      privateRepositories: ['dave/private', 'erin/private'],
      identityTokens: new Map([[erin.identityToken, erin.username]]),
    });
    stops.push(tokenServer.stop);
    const tokenRegistry = await launchRegistry({
      realm: tokenServer.realm,
      service: REGISTRY_SERVICE,
      issuer: TOKEN_ISSUER,
      certificatePem: tokenServer.certificatePem,
    });
    stops.push(tokenRegistry.stop);
    const pusher = new RegistryPusher(
      tokenRegistry.url,
      (repository) => `Bearer ${tokenServer.issueToken([{ type: 'repository', name: repository, actions: ['pull', 'push'] }], 'rig-pusher')}`,
    );
    for (const repository of ['dave/private', 'erin/private', 'shared/public', 'shared/other']) await pusher.push(repository, image, ['1']);

    const hostile = await startHostileRegistry();
    stops.push(hostile.stop);
    const redirectingUser = { username: 'frank', password: canary('redirect') };
    const redirecting = await startRedirectingRegistry(image, redirectingUser, hostile.view.url);
    stops.push(redirecting.stop);

    return {
      basic: { url: basicRegistry.url, host: new URL(basicRegistry.url).host, ...basicUser },
      token: { url: tokenRegistry.url, host: new URL(tokenRegistry.url).host, tokenServer, dave, erin },
      hostile: hostile.view,
      redirecting: { url: redirecting.url, host: new URL(redirecting.url).host, ...redirectingUser },
      image,
      secretForms() {
        const pairs: Array<[string, string]> = [
          [basicUser.username, basicUser.password],
          [dave.username, dave.password],
          [erin.username, erin.identityToken],
          [redirectingUser.username, redirectingUser.password],
        ];
        return pairs.flatMap(([user, secret]) => [
          secret,
          Buffer.from(`${user}:${secret}`).toString('base64'),
          Buffer.from(`${user}:${secret}`).toString('base64url'),
          encodeURIComponent(secret),
        ]);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startHostileRegistry(): Promise<{ view: CredentialRig['hostile']; stop: () => Promise<void> }> {
  const view: CredentialRig['hostile'] = { url: '', host: '', requests: [], scheme: 'bearer' };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      view.requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const path = (request.url ?? '/').split('?')[0];
      if (path === '/token') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ token: 'hostile-token-value', expires_in: 300 }));
        return;
      }
      const challenge =
        view.scheme === 'basic' ? 'Basic realm="hostile"' : `Bearer realm="${view.url}/token",service="hostile",scope="repository:any:pull"`;
      response.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  view.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  view.host = new URL(view.url).host;
  return {
    view,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startRedirectingRegistry(
  image: BuiltImage,
  user: { username: string; password: string },
  hostileUrl: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const expected = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  const server = createServer((request, response) => {
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="redirecting"' });
      response.end();
      return;
    }
    const path = (request.url ?? '/').split('?')[0];
    const blob = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path);
    if (blob) {
      response.writeHead(307, { location: `${hostileUrl}/v2/stolen/blobs/${blob[1]}` });
      response.end();
      return;
    }
    if (/\/manifests\//.test(path)) {
      response.writeHead(200, {
        'content-type': image.manifest.mediaType,
        'docker-content-digest': image.manifest.digest,
        'content-length': String(image.manifest.bytes.length),
      });
      response.end(request.method === 'HEAD' ? undefined : image.manifest.bytes);
      return;
    }
    response.writeHead(404);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** How the test helper answers for a host; `docker-credential-rigtest` reads this table from beside itself. */
export type HelperBehaviour =
  | { answer: { Username: string; Secret: string } }
  | { garbage: string }
  | { fail: number }
  | { hang: true }
  | { notFound: true };

/**
 * A folder for PATH holding `docker-credential-rigtest`, a real executable speaking the credential helper protocol:
 * it reads the server address on stdin and answers as `behaviours` says for that host. It writes nothing else
 * anywhere (no log) and counts its runs in a file, so a test can tell how often it was asked.
 */
export function writeCredentialHelper(behaviours: Record<string, HelperBehaviour>): { directory: string; runs(): number; remove(): void } {
  const directory = mkdtempSync(join(tmpdir(), 'rig-helper-'));
  const table = join(directory, 'behaviours.json');
  const runs = join(directory, 'runs');
  writeFileSync(table, JSON.stringify(behaviours));
  writeFileSync(runs, '');
  const program = join(directory, 'docker-credential-rigtest');
  writeFileSync(
    program,
    `#!${process.execPath}
const fs = require('node:fs');
fs.appendFileSync(${JSON.stringify(runs)}, 'x');
if (process.argv[2] !== 'get') process.exit(2);
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const behaviour = JSON.parse(fs.readFileSync(${JSON.stringify(table)}, 'utf8'))[input.trim()];
  if (!behaviour || behaviour.notFound) {
    process.stdout.write('credentials not found in native keychain\\n');
    process.exit(1);
  }
  if (behaviour.hang) return setInterval(() => undefined, 1000);
  if (behaviour.fail !== undefined) {
    process.stdout.write('helper failure\\n');
    process.exit(behaviour.fail);
  }
  if (behaviour.garbage !== undefined) return process.stdout.write(behaviour.garbage);
  process.stdout.write(JSON.stringify({ ServerURL: input.trim(), ...behaviour.answer }));
});
`,
  );
  chmodSync(program, 0o755);
  return {
    directory,
    runs: () => readFileSync(runs, 'utf8').length,
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
