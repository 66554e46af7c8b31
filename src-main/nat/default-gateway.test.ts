// Default-gateway discovery: the parsers on sample outputs of each platform, and the platform choice
// with fake readFile / run (nothing is spawned, nothing sent).
import { describe, expect, it, vi } from 'vitest';
import {
  findDefaultGateway,
  parseNetstatRoutes,
  parseProcNetRoute,
  parseRouteGetDefault,
  parseRoutePrint,
} from './default-gateway.js';

const PROC_HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\t\n';
const proc = (...rows: string[]) => PROC_HEADER + rows.map((r) => `${r}\n`).join('');

describe('parseProcNetRoute (Linux)', () => {
  it('one interface', () => {
    expect(
      parseProcNetRoute(
        proc(
          'eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
          'eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0',
        ),
      ),
    ).toBe('192.168.1.1');
  });

  it('two default routes: the lowest metric wins, whatever the order', () => {
    const wifi = 'wlan0\t00000000\t0100A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0';
    const wired = 'eth0\t00000000\t0101000A\t0003\t0\t0\t100\t00000000\t0\t0\t0';
    expect(parseProcNetRoute(proc(wifi, wired))).toBe('10.0.1.1');
    expect(parseProcNetRoute(proc(wired, wifi))).toBe('10.0.1.1');
  });

  it('a VPN: its split default halves and on-link default do not count', () => {
    expect(
      parseProcNetRoute(
        proc(
          'tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0', // on-link, no RTF_GATEWAY
          'tun0\t00000000\t0100080A\t0003\t0\t0\t0\t00000080\t0\t0\t0', // 0.0.0.0/1
          'eth0\t00000000\t010011AC\t0003\t0\t0\t100\t00000000\t0\t0\t0',
        ),
      ),
    ).toBe('172.17.0.1');
  });

  it('no default route, an empty table, a 0.0.0.0 gateway: undefined', () => {
    expect(parseProcNetRoute(proc('eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0'))).toBe(
      undefined,
    );
    expect(parseProcNetRoute(PROC_HEADER)).toBe(undefined);
    expect(parseProcNetRoute('')).toBe(undefined);
    expect(parseProcNetRoute(proc('eth0\t00000000\t00000000\t0003\t0\t0\t0\t00000000\t0\t0\t0'))).toBe(
      undefined,
    );
  });

  it('CGNAT and TEST-NET gateways are kept (labs)', () => {
    expect(parseProcNetRoute(proc('eth0\t00000000\t01004064\t0003\t0\t0\t0\t00000000\t0\t0\t0'))).toBe(
      '100.64.0.1',
    );
  });
});

const ROUTE_GET_MAC = `   route to: default
destination: default
       mask: default
    gateway: 192.168.1.254
  interface: en0
      flags: <UP,GATEWAY,DONE,STATIC,PRCLONING,GLOBAL>
 recvpipe  sendpipe  ssthresh  rtt,msec    rttvar  hopcount      mtu     expire
       0         0         0         0         0         0      1500         0
`;

const ROUTE_GET_VPN = `   route to: default
destination: default
       mask: default
  interface: utun4
      flags: <UP,DONE,STATIC,PRCLONING,GLOBAL>
 recvpipe  sendpipe  ssthresh  rtt,msec    rttvar  hopcount      mtu     expire
       0         0         0         0         0         0      1400         0
`;

const ROUTE_GET_FREEBSD = `   route to: default
destination: default
       mask: default
        fib: 0
    gateway: 10.0.2.2
  interface: em0
      flags: <UP,GATEWAY,DONE,STATIC>
 recvpipe  sendpipe  ssthresh  rtt,msec    mtu        weight    expire
       0         0         0         0      1500         1         0
`;

describe('parseRouteGetDefault (macOS, BSD)', () => {
  it('the gateway: line', () => {
    expect(parseRouteGetDefault(ROUTE_GET_MAC)).toBe('192.168.1.254');
    expect(parseRouteGetDefault(ROUTE_GET_FREEBSD)).toBe('10.0.2.2');
  });

  it('an interface-only default (VPN), a link# or IPv6 gateway, no output: undefined', () => {
    expect(parseRouteGetDefault(ROUTE_GET_VPN)).toBe(undefined);
    expect(
      parseRouteGetDefault(ROUTE_GET_VPN.replace('  interface', '    gateway: link#17\n  interface')),
    ).toBe(undefined);
    expect(parseRouteGetDefault('    gateway: fe80::1%en0\n')).toBe(undefined);
    expect(parseRouteGetDefault('')).toBe(undefined);
  });
});

const NETSTAT_MAC = `Routing tables

Internet:
Destination        Gateway            Flags               Netif Expire
default            192.168.1.1        UGScg                 en0       
127                127.0.0.1          UCS                   lo0       
127.0.0.1          127.0.0.1          UH                    lo0       
169.254            link#6             UCS                   en0      !
192.168.1          link#6             UCS                   en0      !
192.168.1.1/32     link#6             UCS                   en0      !
192.168.1.1        a4:91:b1:2:3:4     UHLWIir               en0   1196
224.0.0/4          link#6             UmCS                  en0      !
255.255.255.255/32 link#6             UCS                   en0      !
`;

const NETSTAT_MAC_VPN = `Routing tables

Internet:
Destination        Gateway            Flags               Netif Expire
default            link#21            UCSg                utun4       
default            192.168.178.1      UGScIg                en0       
0/1                10.8.0.1           UGSc                utun4       
10.8.0.1           10.8.0.2           UH                  utun4       
128.0/1            10.8.0.1           UGSc                utun4       
`;

const NETSTAT_OLD_MAC = `Routing tables

Internet:
Destination        Gateway            Flags        Refs      Use   Netif Expire
default            10.0.0.138         UGSc           28        0     en1
127                127.0.0.1          UCS             0        0     lo0
`;

const NETSTAT_OPENBSD = `Routing tables

Internet:
Destination        Gateway            Flags   Refs      Use   Mtu  Prio Iface
default            192.0.2.1          UGS        5     1234     -     8 vio0 
192.0.2/24         192.0.2.15         UCn        1        0     -     4 vio0 
`;

const NETSTAT_MIXED = `Routing tables

Internet:
Destination        Gateway            Flags               Netif Expire
127.0.0.1          127.0.0.1          UH                    lo0

Internet6:
Destination                             Gateway                                 Flags               Netif Expire
default                                 fe80::1%en0                             UGcg                  en0
::1                                     ::1                                     UHL                   lo0
`;

describe('parseNetstatRoutes (macOS, BSD)', () => {
  it('the default row with an IPv4 gateway', () => {
    expect(parseNetstatRoutes(NETSTAT_MAC)).toBe('192.168.1.1');
    expect(parseNetstatRoutes(NETSTAT_OLD_MAC)).toBe('10.0.0.138');
    expect(parseNetstatRoutes(NETSTAT_OPENBSD)).toBe('192.0.2.1');
  });

  it('skips a VPN default via link#N', () => {
    expect(parseNetstatRoutes(NETSTAT_MAC_VPN)).toBe('192.168.178.1');
  });

  it('no IPv4 default (only an IPv6 one), or nothing: undefined', () => {
    expect(parseNetstatRoutes(NETSTAT_MIXED)).toBe(undefined);
    expect(parseNetstatRoutes('')).toBe(undefined);
  });
});

const ROUTE_PRINT_EN = `===========================================================================
Interface List
 12...00 15 5d 01 02 03 ......Intel(R) Ethernet Connection (7) I219-V
  1...........................Software Loopback Interface 1
===========================================================================

IPv4 Route Table
===========================================================================
Active Routes:
Network Destination        Netmask          Gateway       Interface  Metric
          0.0.0.0          0.0.0.0      192.168.1.1    192.168.1.100     25
        127.0.0.0        255.0.0.0         On-link         127.0.0.1    331
        127.0.0.1  255.255.255.255         On-link         127.0.0.1    331
      192.168.1.0    255.255.255.0         On-link     192.168.1.100    281
    192.168.1.100  255.255.255.255         On-link     192.168.1.100    281
        224.0.0.0        240.0.0.0         On-link         127.0.0.1    331
  255.255.255.255  255.255.255.255         On-link         127.0.0.1    331
===========================================================================
Persistent Routes:
  None
`.replace(/\n/g, '\r\n');

// Two default routes (Wi-Fi listed first, worse metric), a VPN on-link default and a persistent route.
const ROUTE_PRINT_DE = `===========================================================================
Schnittstellenliste
 18...e4 b9 7a 11 22 33 ......Intel(R) Wi-Fi 6 AX201 160MHz
  7...00 e0 4c 68 00 01 ......Realtek USB GbE Family Controller
 25...........................WireGuard Tunnel
  1...........................Software Loopback Interface 1
===========================================================================

IPv4-Routentabelle
===========================================================================
Aktive Routen:
     Netzwerkziel    Netzwerkmaske          Gateway    Schnittstelle Metrik
          0.0.0.0          0.0.0.0     192.168.0.1     192.168.0.23     50
          0.0.0.0          0.0.0.0    192.168.178.1   192.168.178.20     25
          0.0.0.0          0.0.0.0   Auf Verbindung        10.66.0.2      5
        10.66.0.0    255.255.255.0   Auf Verbindung        10.66.0.2    261
        127.0.0.0        255.0.0.0   Auf Verbindung        127.0.0.1    331
===========================================================================
Ständige Routen:
  Netzwerkadresse          Netzmaske  Gatewayadresse  Metrik
          0.0.0.0          0.0.0.0      10.99.0.1       1
===========================================================================
`.replace(/\n/g, '\r\n');

const ROUTE_PRINT_JA = `===========================================================================
インターフェイス一覧
 11...00 1a 2b 3c 4d 5e ......Realtek PCIe GbE Family Controller
  1...........................Software Loopback Interface 1
===========================================================================

IPv4 ルート テーブル
===========================================================================
アクティブ ルート:
ネットワーク宛先        ネットマスク          ゲートウェイ       インターフェイス  メトリック
          0.0.0.0          0.0.0.0      192.168.11.1    192.168.11.5     35
        127.0.0.0        255.0.0.0            リンク上         127.0.0.1    331
      192.168.11.0    255.255.255.0            リンク上      192.168.11.5    291
===========================================================================
固定ルート:
  ネットワーク アドレス          ネットマスク  ゲートウェイ アドレス  メトリック
          0.0.0.0          0.0.0.0      192.168.11.1  既定
===========================================================================
`.replace(/\n/g, '\r\n');

const ROUTE_PRINT_NO_DEFAULT = ROUTE_PRINT_EN.replace(/^ +0\.0\.0\.0 .*\r\n/m, '');

describe('parseRoutePrint (Windows)', () => {
  it('one interface', () => {
    expect(parseRoutePrint(ROUTE_PRINT_EN)).toBe('192.168.1.1');
  });

  it('German: the lowest metric wins; "Auf Verbindung" and persistent routes do not count', () => {
    expect(parseRoutePrint(ROUTE_PRINT_DE)).toBe('192.168.178.1');
  });

  it('Japanese headers and on-link words', () => {
    expect(parseRoutePrint(ROUTE_PRINT_JA)).toBe('192.168.11.1');
  });

  it('no default route, or nothing: undefined', () => {
    expect(parseRoutePrint(ROUTE_PRINT_NO_DEFAULT)).toBe(undefined);
    expect(parseRoutePrint('')).toBe(undefined);
  });

  it('a 0.0.0.0 gateway does not count', () => {
    expect(
      parseRoutePrint('          0.0.0.0          0.0.0.0          0.0.0.0    10.0.0.5     10\r\n'),
    ).toBe(undefined);
  });
});

describe('findDefaultGateway', () => {
  const fail = () => Promise.reject(new Error('should not be called'));

  it('Linux: /proc/net/route, nothing run', async () => {
    const readFile = vi.fn(async () => proc('eth0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0'));
    const run = vi.fn(fail);
    await expect(findDefaultGateway({ platform: 'linux', readFile, run })).resolves.toBe('192.168.1.1');
    expect(readFile).toHaveBeenCalledWith('/proc/net/route');
    expect(run).not.toHaveBeenCalled();
  });

  it('Windows: route.exe print -4 from System32, nothing read', async () => {
    const run = vi.fn(async (_file: string, _args: string[]) => ROUTE_PRINT_DE);
    const readFile = vi.fn(fail);
    await expect(findDefaultGateway({ platform: 'win32', readFile, run })).resolves.toBe('192.168.178.1');
    expect(run).toHaveBeenCalledTimes(1);
    expect(run.mock.calls[0]?.[0]).toMatch(/\\System32\\route\.exe$/i);
    expect(run.mock.calls[0]?.[1]).toEqual(['print', '-4']);
    expect(readFile).not.toHaveBeenCalled();
  });

  it('macOS: route get default first', async () => {
    const run = vi.fn(async (_file: string, _args: string[]) => ROUTE_GET_MAC);
    await expect(findDefaultGateway({ platform: 'darwin', readFile: fail, run })).resolves.toBe(
      '192.168.1.254',
    );
    expect(run).toHaveBeenCalledTimes(1);
    expect(run).toHaveBeenCalledWith('/sbin/route', ['-n', 'get', 'default']);
  });

  it('macOS behind a VPN: netstat when route get names no gateway', async () => {
    const run = vi.fn(async (file: string, _args: string[]) =>
      file === 'netstat' ? NETSTAT_MAC_VPN : ROUTE_GET_VPN,
    );
    await expect(findDefaultGateway({ platform: 'darwin', readFile: fail, run })).resolves.toBe(
      '192.168.178.1',
    );
    expect(run).toHaveBeenLastCalledWith('netstat', ['-rn', '-f', 'inet']);
  });

  it('FreeBSD: netstat when route fails (no route: "not in table")', async () => {
    const run = vi.fn(async (file: string, _args: string[]) => {
      if (file === 'netstat') return NETSTAT_OPENBSD;
      throw new Error('route: route has not been found');
    });
    await expect(findDefaultGateway({ platform: 'freebsd', readFile: fail, run })).resolves.toBe('192.0.2.1');
  });

  it('never throws: failures give undefined', async () => {
    const boom = async () => {
      throw new Error('ENOENT');
    };
    for (const platform of ['linux', 'win32', 'darwin', 'openbsd'] as const) {
      await expect(findDefaultGateway({ platform, readFile: boom, run: boom })).resolves.toBe(undefined);
    }
  });
});
