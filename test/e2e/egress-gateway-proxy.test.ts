/**
 * The egress gateway's squid.conf, run in the real Squid (Debian 12's `squid`, 5.7) as an
 * unprivileged user on a read-only root filesystem, inside a network namespace whose loopback
 * carries public-looking documentation addresses (203.0.113.10, 2001:db8::10) for "the internet"
 * and the addresses an attacker would aim at (169.254.169.254, 10.0.0.5, fd00:ec2::254, and
 * 127.0.0.1). A TLS and a plain HTTP server listen on every one of them, so each refusal below is
 * the proxy's decision, not a dead address or port: without the rule, the request would succeed.
 *
 * Squid reads names from a hosts file (the test's DNS); names not in it go to a stand-in resolver
 * that records every query and answers NXDOMAIN.
 *
 * What cannot exist here: the Kubernetes wiring (the gateway pod, its Service, the NetworkPolicies
 * that keep the evaluation pod off DNS and everything but the gateway) and real DNS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  EGRESS_GATEWAY_DENY_REASONS as REASON,
  SquidConfigOptions,
  renderSquidConfig,
} from '../../constructs/shared/egress-gateway-config';
import {
  NamespaceProcess,
  TestNamespace,
  UNPRIVILEGED_ID,
  egressGatewayTools,
} from '../support/squid';

jest.setTimeout(60_000);

const PUBLIC_V4 = '203.0.113.10';
const PUBLIC_V6 = '2001:db8::10';
const RESOLVER = '203.0.113.53';
/** Addresses on the namespace's loopback besides 127.0.0.1 and ::1. */
const LOOPBACK_ADDRESSES = [
  `${PUBLIC_V4}/32`,
  `${RESOLVER}/32`,
  '169.254.169.254/32',
  '10.0.0.5/32',
  `${PUBLIC_V6}/128`,
  'fd00:ec2::254/128',
];

/** The test's DNS: allowed names at the public address, allowed-looking names aimed inside. */
const HOSTS = [
  `${PUBLIC_V4} pypi.org raw.githubusercontent.com githubusercontent.com not-allowed.org`,
  `${PUBLIC_V6} v6.githubusercontent.com`,
  `::ffff:${PUBLIC_V4} mapped-public.githubusercontent.com`,
  '169.254.169.254 metadata.githubusercontent.com',
  '::ffff:169.254.169.254 mapped-metadata.githubusercontent.com',
  '127.0.0.1 loopback.githubusercontent.com',
  '10.0.0.5 private.githubusercontent.com',
  'fd00:ec2::254 imds-v6.githubusercontent.com',
  `${PUBLIC_V4} mixed.githubusercontent.com`,
  '10.0.0.5 mixed.githubusercontent.com',
  '',
].join('\n');

const DOMAINS = ['pypi.org', '*.githubusercontent.com'];
const LABELS_A = { 'eval-sandbox.io/sandbox': 'sbx-a', 'eval-sandbox.io/evaluation-id': 'eval-1' };
const LABELS_B = { 'eval-sandbox.io/sandbox': 'sbx-b', 'eval-sandbox.io/evaluation-id': 'eval-2' };

/**
 * Serves `<scheme> sni=… host=… xff=… via=… hit=N` on 443 and 8443 (TLS), 80 and 22 (HTTP), as
 * cacheable for ten minutes (so only the gateway's own refusal to cache makes each request a hit).
 */
const SERVERS = `
const fs = require('node:fs'), http = require('node:http'), https = require('node:https');
const [key, cert] = process.argv.slice(1).map((f) => fs.readFileSync(f));
let hits = 0;
const reply = (scheme) => (req, res) => res.setHeader('cache-control', 'public, max-age=600').end(
  scheme + ' sni=' + (req.socket.servername || '-') + ' host=' + req.headers.host +
  ' xff=' + (req.headers['x-forwarded-for'] || '-') + ' via=' + (req.headers.via || '-') +
  ' hit=' + ++hits + '\\n');
const listen = (server, port) => new Promise((ok) => server.listen({ port, host: '::', ipv6Only: false }, ok));
Promise.all([
  ...[443, 8443].map((p) => listen(https.createServer({ key, cert }, reply('https')), p)),
  ...[80, 22].map((p) => listen(http.createServer(reply('http')), p)),
]).then(() => console.log('listening'));
`;

/** Records each question it gets (one line: the name) and answers NXDOMAIN. */
const RESOLVER_SCRIPT = `
const socket = require('node:dgram').createSocket('udp4');
socket.on('message', (q, from) => {
  const labels = []; let i = 12;
  while (q[i] !== 0) { labels.push(q.subarray(i + 1, i + 1 + q[i]).toString()); i += q[i] + 1; }
  console.log(labels.join('.'));
  const reply = Buffer.from(q.subarray(0, i + 5));
  reply.writeUInt16BE(0x8183, 2); reply.writeUInt16BE(1, 4); reply.fill(0, 6, 12);
  socket.send(reply, from.port, from.address);
});
socket.bind(53, '${RESOLVER}', () => console.log('listening'));
`;

/** Sends a raw `CONNECT <target>` (no client-side normalisation) and prints the status line. */
const RAW_CONNECT = `
const [port, target] = process.argv.slice(1);
const s = require('node:net').connect(Number(port), '127.0.0.1', () =>
  s.write('CONNECT ' + target + ' HTTP/1.1\\r\\nHost: ' + target + '\\r\\n\\r\\n'));
let got = '';
s.on('data', (d) => { got += d; if (got.includes('\\r\\n')) { console.log(got.split('\\r\\n')[0]); s.destroy(); } });
`;

let tools: Record<string, string>;
let work: string;
let ns: TestNamespace;
let resolver: NamespaceProcess;
const gateways: Record<'a' | 'b', { port: number; process: NamespaceProcess }> = {} as never;

/** Every request a test sends, with what the access log must say about it. */
interface Expected {
  gateway: 'a' | 'b';
  method: string;
  host: string;
  port: string;
  decision: 'allow' | 'deny';
  reason: string;
}
const sent: Expected[] = [];

function gatewayConfig(options: Partial<SquidConfigOptions>, run: string): SquidConfigOptions {
  return {
    domains: DOMAINS,
    labels: LABELS_A,
    hostsFile: '/mnt/config/hosts',
    dnsServers: [RESOLVER],
    runDirectory: run,
    ...options,
  };
}

beforeAll(async () => {
  tools = egressGatewayTools();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'egress-gateway-'));
  execFileSync(tools.openssl, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=egress test',
    '-keyout', path.join(work, 'key.pem'), '-out', path.join(work, 'cert.pem'),
    '-addext', 'subjectAltName=DNS:pypi.org,DNS:*.githubusercontent.com,DNS:githubusercontent.com,DNS:not-allowed.org',
  ], { stdio: 'ignore' }); // prettier-ignore
  // Gateway A: the defaults (443 only). Gateway B: port 80 (plain HTTP) as well.
  const configs = {
    a: renderSquidConfig(gatewayConfig({ listenPort: 3128 }, '/mnt/run-a')),
    b: renderSquidConfig(gatewayConfig({ listenPort: 3129, labels: LABELS_B, ports: [443, 80] }, '/mnt/run-b')),
  }; // prettier-ignore
  for (const [name, text] of Object.entries(configs)) {
    fs.writeFileSync(path.join(work, `${name}.conf`), text);
  }
  fs.writeFileSync(path.join(work, 'hosts'), HOSTS);
  const id = `${UNPRIVILEGED_ID}:${UNPRIVILEGED_ID}`;
  ns = await TestNamespace.create(
    tools,
    [
      `${tools.ip} link set lo up`,
      ...LOOPBACK_ADDRESSES.map((a) => `${tools.ip} addr add ${a} dev lo`),
      // The pod's volumes: config (read-only to Squid) and one run directory per gateway.
      'mount -t tmpfs -o mode=0755 tmpfs /mnt',
      // Squid keeps shared-memory segments in /dev/shm, named after its service name: a private
      // /dev/shm (as a pod has), so no other Squid of the machine, nor a leftover, collides.
      'mount -t tmpfs -o mode=1777 tmpfs /dev/shm',
      'mkdir /mnt/config /mnt/run-a /mnt/run-b',
      `cp ${work}/a.conf ${work}/b.conf ${work}/hosts /mnt/config/`,
      `chown ${id} /mnt/run-a /mnt/run-b`,
      // Everything else read-only, as with readOnlyRootFilesystem.
      'mount -o remount,bind,ro /',
      'echo ready',
    ].join('\n'),
  );
  const servers = ns.start([
    process.execPath,
    '-e',
    SERVERS,
    `${work}/key.pem`,
    `${work}/cert.pem`,
  ]);
  resolver = ns.start([process.execPath, '-e', RESOLVER_SCRIPT]);
  await servers.waitFor('servers', (out) => out.includes('listening'));
  await resolver.waitFor('resolver', (out) => out.includes('listening'));
  for (const [name, port] of [
    ['a', 3128],
    ['b', 3129],
  ] as const) {
    // Like a container's: stdout and stderr are FIFOs the (non-root) user owns, as runc hands
    // them over; Squid reopens /dev/stdout and /dev/stderr. Then drop to the user and exec Squid.
    const fifo = `/mnt/stdio-${name}`;
    const process = ns.start(['sh', '-ec', [
      `mkdir ${fifo} && mkfifo ${fifo}/out ${fifo}/err && chown ${id} ${fifo}/out ${fifo}/err`,
      `cat ${fifo}/out & cat ${fifo}/err >&2 &`,
      `exec ${tools.setpriv} --reuid=${UNPRIVILEGED_ID} --regid=${UNPRIVILEGED_ID} --clear-groups ` +
        `${tools.squid} -N -n gateway${name} -f /mnt/config/${name}.conf >${fifo}/out 2>${fifo}/err`,
    ].join('\n')]); // prettier-ignore
    gateways[name] = { port, process };
  }
  for (const { process } of Object.values(gateways)) {
    await process.waitFor('squid', (_, err) => err.includes('Accepting HTTP Socket connections'));
  }
});

afterAll(() => {
  ns?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** curl through a gateway: the proxy's answer to CONNECT, the final status and the body. */
async function curl(gateway: 'a' | 'b', url: string, expect: Omit<Expected, 'gateway'>) {
  sent.push({ gateway, ...expect });
  const r = await ns.exec([
    tools.curl, '-sS', '--max-time', '5', '--proxy', `http://127.0.0.1:${gateways[gateway].port}`,
    '--cacert', `${work}/cert.pem`, '-w', '\n%{http_connect} %{http_code}', url,
  ]); // prettier-ignore
  const cut = r.stdout.lastIndexOf('\n');
  const [connect, code] = r.stdout.slice(cut + 1).split(' ');
  return { connect: Number(connect), status: Number(code), body: r.stdout.slice(0, cut).trimEnd() };
}

/** A raw CONNECT through gateway A, the target sent byte for byte; the proxy's status code. */
async function rawConnect(target: string, expect: Omit<Expected, 'gateway' | 'method'>) {
  sent.push({ gateway: 'a', method: 'CONNECT', ...expect });
  const r = await ns.exec([process.execPath, '-e', RAW_CONNECT, '3128', target]);
  return Number(r.stdout.split(' ')[1]);
}

/** The access-log lines of a gateway, each parsed into its key=value fields. */
function logOf(gateway: 'a' | 'b'): Record<string, string>[] {
  return gateways[gateway].process.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Object.fromEntries(l.split(' ').map((kv) => kv.split(/=(.*)/s, 2))));
}

/** Waits for the log line of `host` (a tunnel is logged when it closes) and returns the latest. */
async function logLine(gateway: 'a' | 'b', host: string, port = '443') {
  const deadline = Date.now() + 5000;
  for (;;) {
    const line = logOf(gateway)
      .filter((l) => l.host === host && l.port === port)
      .pop();
    if (line || Date.now() > deadline) return line;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const allow = (host: string, port = '443', method = 'CONNECT') =>
  ({ method, host, port, decision: 'allow', reason: '-' }) as const;
const deny = (host: string, reason: string, port = '443', method = 'CONNECT') =>
  ({ method, host, port, decision: 'deny', reason }) as const;

describe('the environment (so the refusals below are the proxy’s)', () => {
  test('GIVEN the namespace THEN the root filesystem is read-only and Squid runs unprivileged', async () => {
    const write = await ns.exec(['touch', '/var/tmp/egress-gateway-probe']);
    expect(write.stderr).toContain('Read-only file system');
    for (const { process } of Object.values(gateways)) {
      const status = fs.readFileSync(`/proc/${process.child.pid}/status`, 'utf8');
      expect(status).toMatch(new RegExp(`^Uid:\\s+${UNPRIVILEGED_ID}\\s`, 'm'));
    }
    const pid = await ns.exec(['cat', '/mnt/run-a/squid.pid']);
    expect(Number(pid.stdout)).toBe(gateways.a.process.child.pid);
  });

  test.each([
    ['169.254.169.254', 'metadata.githubusercontent.com'],
    ['10.0.0.5', 'private.githubusercontent.com'],
    ['127.0.0.1', 'loopback.githubusercontent.com'],
    [`[${PUBLIC_V6}]`, 'v6.githubusercontent.com'],
    [`[fd00:ec2::254]`, 'imds-v6.githubusercontent.com'],
  ])('GIVEN no proxy WHEN %s is asked directly THEN the server answers', async (address, name) => {
    const r = await ns.exec([
      tools.curl, '-sS', '--max-time', '5', '--cacert', `${work}/cert.pem`,
      '--connect-to', `${name}:8443:${address}:8443`, `https://${name}:8443/`,
    ]); // prettier-ignore
    expect(r.stdout).toMatch(new RegExp(`^https sni=${name} host=${name}:8443 `));
  });
});

describe('every shape of config', () => {
  test.each([
    ['the defaults', {}],
    ['exact names only', { domains: ['pypi.org', 'files.pythonhosted.org'] }],
    ['wildcards only', { domains: ['*.githubusercontent.com', '*.pythonhosted.org'] }],
    ['port 80 alone', { ports: [80] }],
    ['several ports', { ports: [443, 80, 8443], dnsServers: ['10.0.0.2', 'fd00::2'] }],
  ])('GIVEN %s THEN Squid parses it without an error or a warning', (_what, options) => {
    const file = path.join(work, 'parse.conf');
    fs.writeFileSync(file, renderSquidConfig({ domains: DOMAINS, labels: LABELS_A, ...options }));
    const r = spawnSync(tools.squid, ['-k', 'parse', '-f', file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    // Squid warns that HTTP requires Via (we remove it on purpose); nothing else may be reported.
    const reported = r.stderr.split('\n').filter((l) => /WARNING|ERROR|FATAL/.test(l));
    expect(reported.filter((l) => !l.includes('HTTP requires the use of Via'))).toEqual([]);
  });
});

describe('(a, b) allowed names go through, end to end over TLS', () => {
  test.each([
    ['an exact name', 'pypi.org'],
    ['a name under *.githubusercontent.com', 'raw.githubusercontent.com'],
    ['a name with only an IPv6 address', 'v6.githubusercontent.com'],
    ['a name whose address is IPv4-mapped IPv6 (read as the IPv4 address)', 'mapped-public.githubusercontent.com'],
  ])('GIVEN %s WHEN CONNECTed THEN the server answers over TLS', async (_what, host) => {
    const r = await curl('a', `https://${host}/simple/`, allow(host));
    expect(r.connect).toBe(200);
    expect(r.status).toBe(200);
    expect(r.body).toMatch(new RegExp(`^https sni=${host} host=${host} xff=- via=- hit=\\d+$`));
    expect(await logLine('a', host)).toMatchObject({ decision: 'allow', result: 'TCP_TUNNEL' });
  }); // prettier-ignore

  test('GIVEN an allowed name in other case and with a trailing dot THEN it is the same name', async () => {
    const r = await curl('a', 'https://PyPI.org./', allow('pypi.org'));
    expect(r.connect).toBe(200);
    expect(r.body).toMatch(/^https sni=pypi\.org /);
  });
});

describe('(c) names not on the list are refused, and never resolved', () => {
  test.each([
    ['a name not on the list', 'not-allowed.org'],
    ['the bare suffix of *.githubusercontent.com', 'githubusercontent.com'],
    ['a name that merely ends like an allowed one', 'evilpypi.org'],
    ['an allowed name as a prefix', 'pypi.org.attacker.net'],
    ['a name that carries data out', 'c2vjcmv0lwtleq.exfil.attacker.net'],
  ])('GIVEN %s THEN the proxy answers 403', async (_what, host) => {
    const r = await curl('a', `https://${host}/`, deny(host, REASON.nameNotAllowed));
    expect(r.connect).toBe(403);
    expect(r.body).toBe('');
    expect(await logLine('a', host)).toMatchObject({
      decision: 'deny',
      reason: REASON.nameNotAllowed,
      status: '403',
    });
  });

  test('GIVEN the refusals THEN the resolver was never asked about them, yet hears allowed names', async () => {
    // An allowed name missing from the hosts file goes to the resolver (NXDOMAIN, so Squid answers
    // 500): the resolver does hear the gateway, so its silence about refused names means something.
    const r = await curl(
      'a',
      'https://unknown.githubusercontent.com/',
      allow('unknown.githubusercontent.com'),
    );
    expect(r.connect).toBe(500);
    const asked = resolver.stdout.split('\n');
    expect(asked).toContain('unknown.githubusercontent.com');
    expect(asked.filter((n) => /attacker|not-allowed|evilpypi/.test(n))).toEqual([]);
  });
});

describe('(d) IP-literal destinations are refused, in every form Squid reads as an address', () => {
  test.each([
    ['IPv4', `https://${PUBLIC_V4}/`, PUBLIC_V4],
    ['IPv6', `https://[${PUBLIC_V6}]/`, `%5B${PUBLIC_V6}%5D`],
    ['a metadata address', 'https://169.254.169.254/', '169.254.169.254'],
  ])('GIVEN %s through curl THEN 403', async (_what, url, logged) => {
    const r = await curl('a', url, deny(logged, REASON.ipLiteral));
    expect(r.connect).toBe(403);
    expect(await logLine('a', logged)).toMatchObject({ reason: REASON.ipLiteral });
  });

  // curl normalises these to dotted quads; sent raw, Squid reads them as addresses itself.
  test.each([
    ['decimal', '3405803786', PUBLIC_V4],
    ['decimal loopback', '2130706433', '127.0.0.1'],
    ['octal', '0313.0.0161.012', PUBLIC_V4],
    ['short', '203.28938', PUBLIC_V4],
    ['IPv4-mapped IPv6', `[::ffff:${PUBLIC_V4}]`, PUBLIC_V4],
  ])('GIVEN the %s form %s sent raw THEN 403', async (_what, host, logged) => {
    expect(await rawConnect(`${host}:443`, { host: logged, port: '443', decision: 'deny', reason: REASON.ipLiteral })).toBe(403);
    expect(await logLine('a', logged)).toMatchObject({ reason: REASON.ipLiteral });
  }); // prettier-ignore
});

describe('(e) ports not on the list are refused', () => {
  test.each([
    ['8443 (a TLS server listens there)', 'https://pypi.org:8443/', '8443'],
    ['22', 'https://raw.githubusercontent.com:22/', '22'],
  ])('GIVEN an allowed name on port %s THEN 403', async (_what, url, port) => {
    const host = new URL(url).hostname;
    const r = await curl('a', url, deny(host, REASON.portNotAllowed, port));
    expect(r.connect).toBe(403);
    expect(await logLine('a', host, port)).toMatchObject({ reason: REASON.portNotAllowed });
  });
});

describe('(f) allowed names that resolve inside are refused', () => {
  test.each([
    ['the metadata address', 'metadata.githubusercontent.com'],
    ['the metadata address, IPv4-mapped', 'mapped-metadata.githubusercontent.com'],
    ['loopback', 'loopback.githubusercontent.com'],
    ['a private 10.x address', 'private.githubusercontent.com'],
    ['the IPv6 metadata address', 'imds-v6.githubusercontent.com'],
    ['a public and a private address', 'mixed.githubusercontent.com'],
  ])('GIVEN a name on the list that resolves to %s THEN 403', async (_what, host) => {
    const r = await curl('a', `https://${host}/`, deny(host, REASON.internalAddress));
    expect(r.connect).toBe(403);
    expect(r.body).toBe('');
    expect(await logLine('a', host)).toMatchObject({ reason: REASON.internalAddress });
  });
});

describe('(h) plain HTTP', () => {
  test('GIVEN the default ports (443) WHEN http:// is asked THEN 403', async () => {
    const r = await curl('a', 'http://pypi.org/simple/', deny('pypi.org', REASON.plainHttpNotAllowed, '80', 'GET'));
    expect(r.status).toBe(403);
    expect(await logLine('a', 'pypi.org', '80')).toMatchObject({ reason: REASON.plainHttpNotAllowed });
  }); // prettier-ignore

  test('GIVEN port 80 listed WHEN http:// is asked twice THEN both reach the server, with nothing added', async () => {
    const first = await curl('b', 'http://pypi.org/simple/', allow('pypi.org', '80', 'GET'));
    const second = await curl('b', 'http://pypi.org/simple/', allow('pypi.org', '80', 'GET'));
    expect(first.status).toBe(200);
    expect(first.body).toMatch(/^http sni=- host=pypi\.org xff=- via=- hit=(\d+)$/);
    // Nothing is cached: the second request is a new hit on the server.
    const hit = (body: string) => Number(/hit=(\d+)/.exec(body)?.[1]);
    expect(hit(second.body)).toBe(hit(first.body) + 1);
  });

  test('GIVEN port 80 listed THEN CONNECT to 80, http:// to another port and to an inside name are refused', async () => {
    expect((await curl('b', 'https://pypi.org:80/', deny('pypi.org', REASON.portNotAllowed, '80'))).connect).toBe(403);
    expect((await curl('b', 'http://pypi.org:22/', deny('pypi.org', REASON.portNotAllowed, '22', 'GET'))).status).toBe(403);
    expect((await curl('b', 'http://metadata.githubusercontent.com/latest/meta-data/', deny('metadata.githubusercontent.com', REASON.internalAddress, '80', 'GET'))).status).toBe(403);
    expect((await curl('b', 'https://pypi.org/', allow('pypi.org'))).connect).toBe(200);
  }); // prettier-ignore
});

describe('(g) the access log', () => {
  test('GIVEN every request above THEN each has exactly one line, with its labels and decision', async () => {
    const key = (e: Record<string, string>) =>
      [e.method, e.host, e.port, e.decision, e.reason].join(' ');
    for (const [gateway, labels] of [['a', LABELS_A], ['b', LABELS_B]] as const) {
      const expected = sent.filter((e) => e.gateway === gateway);
      const deadline = Date.now() + 5000;
      while (logOf(gateway).length < expected.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      const lines = logOf(gateway);
      expect(lines.map(key).sort()).toEqual(expected.map((e) => key({ ...e })).sort());
      for (const line of lines) {
        expect(line).toMatchObject(labels);
        expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
    }
    expect(sent.filter((e) => e.gateway === 'b').length).toBeGreaterThan(3);
  }); // prettier-ignore
});
