import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { freePort } from './freePort';
import { signalQuietly, spawnUnderWatchdog, type WatchedProcess } from './watchdog';

export const REDIS_BINARY = '/usr/bin/redis-server';

export interface RedisServerOptions {
  /** Required of clients (`requirepass`); it is then in `url`. */
  password?: string;
  /** TLS only, with a self-signed certificate for 127.0.0.1 (`caFile`); the URL is then `rediss://`. */
  tls?: boolean;
}

export interface RigRedis {
  /** `redis://:password@127.0.0.1:port/0`, or `rediss://…` with TLS */
  url: string;
  port: number;
  /** The certificate clients must trust (TLS only). */
  caFile?: string;
  /** PID of the running redis-server; NaN while it is killed. */
  pid: number;
  /** SIGKILL, as a crash would; `start()` brings it back on the same port, empty. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP: the connection stays open and nothing answers, as with an overloaded Redis. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** No persistence at all: the data is throwaway and a test must never read a previous run's. */
function redisConf(directory: string, port: number, password: string | undefined, tls: Certificate | undefined): string {
  return [
    ...(tls
      ? ['port 0', `tls-port ${port}`, `tls-cert-file ${tls.certFile}`, `tls-key-file ${tls.keyFile}`, 'tls-auth-clients no']
      : [`port ${port}`]),
    'bind 127.0.0.1',
    `dir ${directory}`,
    'save ""',
    'appendonly no',
    'daemonize no',
    'loglevel warning',
    'logfile ""',
    ...(password ? [`requirepass ${password}`] : []),
  ].join('\n');
}

interface Certificate {
  directory: string;
  certFile: string;
  keyFile: string;
}

function selfSignedCertificate(): Certificate {
  const directory = mkdtempSync(join(tmpdir(), 'rig-redis-tls-'));
  const certFile = join(directory, 'cert.pem');
  const keyFile = join(directory, 'key.pem');
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
  return { directory, certFile, keyFile };
}

/** True once redis-server answers PING (NOAUTH counts: it is serving). */
function answersPing(port: number, tls: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = tls
      ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

interface Running {
  watched: WatchedProcess;
  pid: number;
  directory: string;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RigRedis> {
  const port = await freePort();
  const certificate = options.tls ? selfSignedCertificate() : undefined;
  let running: Running | undefined;

  async function launch(): Promise<Running> {
    const directory = await mkdtemp(join(tmpdir(), 'rig-redis-'));
    await writeFile(join(directory, 'redis.conf'), redisConf(directory, port, options.password, certificate));
    // redis-server runs under the watchdog, so it and its folder go when the test process ends in any way.
    const watched = spawnUnderWatchdog(directory, REDIS_BINARY, [join(directory, 'redis.conf')]);
    const started: Running = { watched, pid: await watched.pid, directory };
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(port, Boolean(certificate)))) {
      if (watched.shell.exitCode !== null || Date.now() > deadline) {
        await end(started);
        throw new Error(`redis-server did not start on port ${port}: ${watched.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return started;
  }

  async function end(which: Running): Promise<void> {
    await which.watched.stop();
    rmSync(which.directory, { recursive: true, force: true });
  }

  const removeAll = () => {
    if (running) rmSync(running.directory, { recursive: true, force: true });
    if (certificate) rmSync(certificate.directory, { recursive: true, force: true });
  };
  process.once('exit', removeAll);
  try {
    running = await launch();
  } catch (error) {
    removeAll();
    throw error;
  }
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';

  return {
    url: `${certificate ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}/0`,
    port,
    caFile: certificate?.certFile,
    get pid() {
      return running?.pid ?? Number.NaN;
    },
    async kill() {
      if (!running) return;
      const killed = running;
      running = undefined;
      signalQuietly(killed.pid, 'SIGKILL');
      await end(killed);
    },
    async start() {
      if (!running) running = await launch();
    },
    pause() {
      if (running) signalQuietly(running.pid, 'SIGSTOP');
    },
    resume() {
      if (running) signalQuietly(running.pid, 'SIGCONT');
    },
    async stop() {
      process.removeListener('exit', removeAll);
      const stopping = running;
      running = undefined;
      if (stopping) await end(stopping);
      removeAll();
    },
  };
}
