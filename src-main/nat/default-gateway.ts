// The IPv4 default gateway, the target of NAT-PMP / UPnP (docs/nat.md, "Port mapping"), on the desktop
// platforms without a dependency: the kernel table on Linux, `route` / `netstat` on macOS and the BSDs,
// `route print -4` on Windows. Pure parsers per output format, and a chooser with injected I/O so that
// tests spawn nothing. No range filter: labs use CGNAT and TEST-NET gateways.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import path from 'node:path';

const gatewayOrUndefined = (s: string | undefined): string | undefined =>
  s && isIPv4(s) && s !== '0.0.0.0' ? s : undefined;

/** Linux `/proc/net/route`: the IPv4 default route with RTF_GATEWAY; the lowest metric wins. */
export function parseProcNetRoute(text: string): string | undefined {
  let best: { gw: string; metric: number } | undefined;
  for (const line of text.split('\n').slice(1)) {
    const [, dest, gwHex, flags, , , metric, mask] = line.trim().split(/\s+/);
    if (dest !== '00000000' || (mask !== undefined && mask !== '00000000') || !gwHex || !flags) continue;
    if ((Number.parseInt(flags, 16) & 0x2) === 0) continue; // RTF_GATEWAY: else on-link (tun, ppp)
    const n = Number.parseInt(gwHex, 16); // host order: little-endian on desktop CPUs
    const gw = gatewayOrUndefined([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.'));
    const m = Number.parseInt(metric ?? '0', 10) || 0;
    if (gw && (!best || m < best.metric)) best = { gw, metric: m };
  }
  return best?.gw;
}

/** macOS / BSD `route -n get default`: the `gateway:` line (absent for an interface-only route). */
export function parseRouteGetDefault(text: string): string | undefined {
  return gatewayOrUndefined(/^\s*gateway:\s*(\S+)\s*$/m.exec(text)?.[1]);
}

/**
 * macOS / BSD `netstat -rn -f inet`: the first `default` row whose Gateway (2nd column) is an IPv4
 * address, not `link#N` (a VPN's interface route) nor an IPv6 one (when `-f inet` was not honoured).
 */
export function parseNetstatRoutes(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const [dest, gw] = line.trim().split(/\s+/);
    if (dest !== 'default' && dest !== '0.0.0.0' && dest !== '0.0.0.0/0') continue;
    const ip = gatewayOrUndefined(gw);
    if (ip) return ip;
  }
  return undefined;
}

/**
 * Windows `route print -4`, read by the shape of the rows since the words are localized:
 * `0.0.0.0 0.0.0.0 GATEWAY INTERFACE-IP METRIC`; the lowest metric wins. "On-link" (possibly several
 * words, e.g. "Auf Verbindung") is not an IPv4 address; "Persistent Routes" rows have no interface.
 */
export function parseRoutePrint(text: string): string | undefined {
  let best: { gw: string; metric: number } | undefined;
  for (const line of text.split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t.length !== 5 || t[0] !== '0.0.0.0' || t[1] !== '0.0.0.0') continue;
    const [, , gwText, iface, metricText] = t;
    if (!isIPv4(iface ?? '') || !/^\d+$/.test(metricText ?? '')) continue;
    const gw = gatewayOrUndefined(gwText);
    const metric = Number(metricText);
    if (gw && (!best || metric < best.metric)) best = { gw, metric };
  }
  return best?.gw;
}

export interface GatewayDeps {
  platform?: NodeJS.Platform;
  readFile?: (file: string) => Promise<string>;
  /** Runs a program without a shell and resolves its stdout; rejects on failure or time-out. */
  run?: (file: string, args: string[]) => Promise<string>;
}

const TIMEOUT_MS = 2000;

function runProgram(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: TIMEOUT_MS, windowsHide: true, encoding: 'utf8', maxBuffer: 1 << 20 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

// Windows searches the current directory before PATH: name System32's route.exe outright.
const windowsRoute = () => path.win32.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'route.exe');

/** The IPv4 default gateway, or undefined when none is found. Never throws. */
export async function findDefaultGateway(deps: GatewayDeps = {}): Promise<string | undefined> {
  const platform = deps.platform ?? process.platform;
  const read = deps.readFile ?? ((file: string) => readFile(file, 'utf8'));
  const run = deps.run ?? runProgram;
  const attempt = async (get: () => Promise<string>, parse: (text: string) => string | undefined) => {
    try {
      return parse(await get());
    } catch {
      return undefined; // missing program or file, no route ("not in table"), time-out
    }
  };
  if (platform === 'linux' || platform === 'android') {
    return attempt(() => read('/proc/net/route'), parseProcNetRoute);
  }
  if (platform === 'win32') {
    return attempt(() => run(windowsRoute(), ['print', '-4']), parseRoutePrint);
  }
  // macOS, the BSDs and other Unixes: `route get` names the route in use; netstat when that route has
  // no gateway (a VPN's utun) or `route` is missing. /sbin/route: the same path on every BSD.
  return (
    (await attempt(() => run('/sbin/route', ['-n', 'get', 'default']), parseRouteGetDefault)) ??
    (await attempt(() => run('netstat', ['-rn', '-f', 'inet']), parseNetstatRoutes))
  );
}
