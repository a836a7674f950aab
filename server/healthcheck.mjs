// Container health check. In HTTP mode it asks the server's /healthz; in stdio mode there is no endpoint to ask and
// the process being alive is the health, so it succeeds. The mode and port are read from PID 1's command line.
import { readFileSync } from 'node:fs';

const args = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  if (at >= 0 && args[at + 1]) return args[at + 1];
  const inline = args.find((a) => a.startsWith(`${name}=`));
  return inline ? inline.slice(name.length + 1) : fallback;
};
if (flag('--transport', 'stdio') !== 'http') process.exit(0);
const port = flag('--port', '3000');
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
