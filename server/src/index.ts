import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ConfigError, loadConfig, type Config } from './config';
import { oneLine } from './errors';
import { redactSecrets } from './net/redact';
import { createLogger } from './log';
import { createMcpServer } from './server';
import { closeServices, createServices } from './services';
import type { HttpOptions } from './transport/http';
import { VERSION } from './version';

const HELP = `dockerhub-mcp ${VERSION}: MCP server for Docker Hub and any OCI registry

Usage:
  dockerhub-mcp                               stdio MCP server (default)
  dockerhub-mcp --transport http [options]    streamable HTTP at /mcp

Options:
  --transport stdio|http     transport (default stdio)
  --host HOST                HTTP bind address (default 127.0.0.1)
  --port PORT                HTTP port (default 3000)
  --allowed-origins A,B      Origins allowed to call the HTTP endpoint
  --allowed-hosts A,B        extra Host header values accepted (default: loopback names and the bind host)
  --allow-unauthenticated    serve HTTP without DOCKERHUB_MCP_HTTP_TOKEN (not recommended)
  --read-only                list and run no write tools
  --help, --version          print and exit

Environment: DOCKERHUB_USERNAME, DOCKERHUB_TOKEN, DOCKERHUB_API_URL, DOCKERHUB_REGISTRY_URL, DOCKERHUB_SCOUT_URL,
DOCKERHUB_MCP_REGISTRY_ENDPOINTS, DOCKERHUB_MCP_CACHE_DIR, DOCKERHUB_MCP_CACHE_MAX_MB, DOCKERHUB_MCP_TIMEOUT_MS,
DOCKERHUB_MCP_LOG_LEVEL, DOCKERHUB_MCP_HTTP_TOKEN, DOCKERHUB_MCP_REDIS_URL, DOCKERHUB_MCP_ALLOWED_REGISTRIES,
DOCKERHUB_MCP_TOOLSETS (see README).
`;

interface Cli {
  transport: 'stdio' | 'http';
  http: HttpOptions;
  readOnly: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Cli | 'help' | 'version' {
  const cli: Cli = { transport: 'stdio', readOnly: false, http: { host: '127.0.0.1', port: 3000, allowedOrigins: [], allowedHosts: [], allowUnauthenticated: false } };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--version':
      case '-v':
        return 'version';
      case '--transport': {
        const t = value();
        if (t !== 'stdio' && t !== 'http') throw new UsageError(`--transport must be stdio or http (got "${t}")`);
        cli.transport = t;
        break;
      }
      case '--host':
        cli.http.host = value();
        break;
      case '--port': {
        const p = value();
        if (!/^\d+$/.test(p) || Number(p) > 65535) throw new UsageError(`--port must be a number from 0 to 65535 (got "${p}")`);
        cli.http.port = Number(p);
        break;
      }
      case '--allowed-origins':
        cli.http.allowedOrigins = list(value());
        break;
      case '--allowed-hosts':
        cli.http.allowedHosts = list(value());
        break;
      case '--allow-unauthenticated':
        cli.http.allowUnauthenticated = true;
        break;
      case '--read-only':
        cli.readOnly = true;
        break;
      default:
        throw new UsageError(`unknown flag "${arg}" (see --help)`);
    }
  }
  return cli;
}

function list(value: string): string[] {
  return value.split(',').map((v) => v.trim()).filter(Boolean);
}

async function main(): Promise<void> {
  let cli: Cli | 'help' | 'version';
  let config: Config;
  try {
    cli = parseArgs(process.argv.slice(2));
    if (cli === 'help') {
      process.stdout.write(HELP);
      return;
    }
    if (cli === 'version') {
      process.stdout.write(`${VERSION}\n`);
      return;
    }
    config = { ...loadConfig(), readOnly: cli.readOnly };
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`dockerhub-mcp: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const services = createServices(config, log, {
    noCache: process.env.DOCKERHUB_MCP_INTERNAL_NO_CACHE === '1',
    breakerCooldownMs: Number(process.env.DOCKERHUB_MCP_INTERNAL_BREAKER_COOLDOWN_MS) || undefined,
    transport: cli.transport,
  });

  if (cli.transport === 'http') {
    // Loaded only here: a stdio server (the usual case) never evaluates the HTTP transport and its web framework.
    const { startHttpTransport } = await import('./transport/http');
    const http = await startHttpTransport(() => createMcpServer(services), config, cli.http, log).catch((err: Error) => {
      process.stderr.write(`dockerhub-mcp: ${err.message}\n`);
      process.exit(2);
    });
    const stop = async () => {
      await http.close();
      await closeServices(services);
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }

  const server = createMcpServer(services);
  // The SDK drops a line that is not JSON-RPC without a word; the log says so, so a client that waits can be told why.
  server.server.onerror = (error) => log.warn('ignored a malformed or unexpected message', { error: oneLine(error.message) });
  const transport = new StdioServerTransport();
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await server.close().catch(() => undefined);
    await closeServices(services).catch(() => undefined);
    process.exit(0);
  };
  transport.onclose = shutdown;
  process.stdin.once('end', shutdown);
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await server.connect(transport);
  log.info('dockerhub-mcp ready on stdio', { version: VERSION });
  // Someone ran it by hand (npm start, the bin) rather than a client: say once what it is, on stderr.
  if (process.stdin.isTTY) {
    process.stderr.write(
      'dockerhub-mcp is an MCP server: it speaks JSON-RPC on stdin/stdout and is waiting for an MCP client ' +
        '(VS Code, Claude Desktop, …) to talk to it. To try it by hand: ' +
        'npx @modelcontextprotocol/inspector node server/dist/index.js (Ctrl+C quits).\n',
    );
  }
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`dockerhub-mcp: unhandled rejection: ${redactSecrets(reason instanceof Error ? reason.message : String(reason))}\n`);
});

main().catch((err) => {
  process.stderr.write(`dockerhub-mcp: ${redactSecrets(err instanceof Error ? err.message : String(err))}\n`);
  process.exit(1);
});
