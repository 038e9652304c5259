/**
 * The configuration of a sandbox's egress gateway: a Squid forward proxy that lets the evaluation
 * pod reach a list of domain names, and nothing else (issue 14, docs/adr/0006-egress-gateway.md).
 *
 * Framework-free: the Kubernetes wiring renders the text into a ConfigMap; the e2e tier runs the
 * same text in the real Squid (test/e2e/egress-gateway-proxy.test.ts).
 */
import * as ipaddr from 'ipaddr.js';
import { ValidationError } from './errors';
import { parseStrictCidr, parseStrictIp } from './network';
import { checkInteger, checkLabelKey, checkLabelValue } from './validation';

/** The port the gateway listens on for the sandbox's HTTP(S)_PROXY requests. */
export const EGRESS_GATEWAY_PORT = 3128;

/** The only directory the gateway writes (its pid file): an emptyDir on a read-only root. */
export const EGRESS_GATEWAY_RUN_DIRECTORY = '/var/run/squid';

/**
 * Suffixes an allowlist may not name (nor any name under them): they never lead to the public
 * internet, and several lead into the cluster, the VPC or the node.
 *
 * - `local` (mDNS, RFC 6762; covers Kubernetes' `cluster.local`), `internal` (private use, and
 *   EC2's `ec2.internal` / `compute.internal`), `localhost`, `home.arpa` (RFC 8375);
 * - `arpa` (reverse lookups: never an HTTP destination), `test`, `invalid`, `example` (RFC 6761),
 *   `onion` (RFC 7686), `alt` (RFC 9476).
 */
export const EGRESS_GATEWAY_RESERVED_SUFFIXES: readonly string[] = [
  'local',
  'internal',
  'localhost',
  'arpa',
  'test',
  'invalid',
  'example',
  'onion',
  'alt',
];

/** IPv4 ranges that are not the public internet: private, shared, loopback, link-local, special. */
const INTERNAL_IPV4: readonly string[] = [
  '0.0.0.0/8', // "this network"; 0.0.0.0 reaches the gateway itself
  '10.0.0.0/8', // RFC 1918
  '100.64.0.0/10', // CGNAT (RFC 6598); also EKS custom networking
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local: EC2 IMDS, the Pod Identity agent, the VPC resolver
  '172.16.0.0/12', // RFC 1918
  '192.0.0.0/24', // IETF protocol assignments
  '192.168.0.0/16', // RFC 1918
  '198.18.0.0/15', // benchmarking
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and 255.255.255.255
];

/**
 * IPv6 ranges that are not the public internet, or that carry an IPv4 address inside them.
 * IPv4-mapped addresses (::ffff:0:0/96) are not listed: Squid stores every IPv4 address in that
 * form, so it checks `::ffff:169.254.169.254` against the IPv4 ranges above, and the entry itself
 * would read as 0.0.0.0/0 (Squid warns and drops it).
 */
const INTERNAL_IPV6: readonly string[] = [
  '::/128', // unspecified
  '::1/128', // loopback
  '64:ff9b:1::/48', // local-use NAT64 (RFC 8215)
  '100::/64', // discard
  '2001::/32', // Teredo (embeds IPv4)
  '2002::/16', // 6to4 (embeds IPv4)
  'fc00::/7', // unique local, includes EC2's fd00:ec2::/32 (IMDS, Pod Identity)
  'fe80::/10', // link-local
  'ff00::/8', // multicast
];

/** The well-known NAT64 prefix 64:ff9b::/96 with an IPv4 range inside it (RFC 6052). */
function nat64(cidr: string): string {
  const [v4, bits] = parseStrictCidr(cidr) as [ipaddr.IPv4, number];
  const [a, b, c, d] = v4.toByteArray();
  const embedded = ipaddr.fromByteArray([0, 0x64, 0xff, 0x9b, ...Array(8).fill(0), a, b, c, d]);
  return `${embedded.toString()}/${96 + bits}`;
}

/**
 * Destinations the gateway never connects to, whatever a DNS answer says: Squid checks every
 * address an allowed name resolves to (`acl … dst`), so a name pointed at 169.254.169.254, a pod
 * or the API server is refused. NAT64 (64:ff9b::/96) is refused only where it embeds one of the
 * IPv4 ranges, so IPv6-only clusters still reach public IPv4 through DNS64.
 */
export const EGRESS_GATEWAY_DENIED_DESTINATIONS: readonly string[] = [
  ...INTERNAL_IPV4,
  ...INTERNAL_IPV6,
  ...INTERNAL_IPV4.map(nat64),
];

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** What inet_aton (and so Squid) reads as an IPv4 address: 1 to 4 decimal, octal or hex parts. */
const INET_ATON = /^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$/i;

/**
 * One allowlist entry: an exact name (`pypi.org`) or `*.` and a suffix (`*.githubusercontent.com`),
 * which matches every name under the suffix at any depth but not the suffix itself (list
 * `githubusercontent.com` too if it is wanted). Names are lowercase, without a trailing dot, with
 * at least two labels, and not under {@link EGRESS_GATEWAY_RESERVED_SUFFIXES}; IP addresses are
 * refused (the gateway is for names; an address is a NetworkPolicy's job).
 *
 * Returns `undefined` when valid, or a sentence naming the field, the value and the fix.
 */
export function checkDomainPattern(field: string, value: string): string | undefined {
  const bad = (what: string, fix: string) => `${field} '${value}' ${what}; ${fix}`;
  if (value === '') return bad('is empty', "use a name such as 'pypi.org'");
  if (value === '*') {
    return bad(
      'would allow every name',
      "list the names the agent needs, or '*.suffix' for the names under one domain",
    );
  }
  if (value.includes('/')) {
    const host = value.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split(/[/:?#]/)[0];
    return bad('is a URL, not a name', `give only the name, such as '${host}'`);
  }
  const withPort = /^([^:[\]]+):([0-9]+)$/.exec(value);
  if (withPort) {
    return bad('has a port', `give the name '${withPort[1]}' and list ${withPort[2]} in ports`);
  }
  const wildcard = value.startsWith('*.');
  const name = wildcard ? value.slice(2) : value;
  if (name.includes(':') || INET_ATON.test(name) || parseStrictIp(name)) {
    return bad(
      'is an IP address; the gateway allows names only',
      'allow the name the service is reached by (an address belongs in the egress NetworkPolicy)',
    );
  }
  if (name.includes('*')) {
    return bad(
      "has a '*' that is not a whole leading label",
      "write a wildcard as '*.' followed by a suffix, such as '*.githubusercontent.com'",
    );
  }
  if (name !== name.toLowerCase()) {
    return bad('has uppercase letters', `write it in lowercase: '${value.toLowerCase()}'`);
  }
  if (name.endsWith('.')) {
    return bad('ends with a dot', `drop the trailing dot: '${value.replace(/\.+$/, '')}'`);
  }
  if (name.length > 253) {
    return bad(`is ${name.length} characters long`, 'a DNS name has at most 253');
  }
  const labels = name.split('.');
  if (labels.some((l) => l === '')) {
    return bad(
      'has an empty label',
      "separate labels with single dots, as in 'files.pythonhosted.org'",
    );
  }
  const long = labels.find((l) => l.length > 63);
  if (long !== undefined) {
    return bad(`has the label '${long}' of ${long.length} characters`, 'a label has at most 63');
  }
  const invalid = labels.find((l) => !LABEL.test(l));
  if (invalid !== undefined) {
    return bad(
      `has the label '${invalid}', which is not a DNS label`,
      "use lowercase letters, digits and '-', not at either end (internationalised names in punycode, 'xn--…')",
    );
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) {
    return bad(
      'ends in an all-numeric label, which resolvers may read as an address',
      'use the real name of the service',
    );
  }
  if (labels.length < 2) {
    return bad(
      wildcard ? 'would allow a whole top-level domain' : 'is a single-label name',
      wildcard
        ? "name a registered domain under it, such as '*.example.com'"
        : 'use a fully qualified public name (the gateway never appends a search domain)',
    );
  }
  const reserved = EGRESS_GATEWAY_RESERVED_SUFFIXES.find(
    (s) => name === s || name.endsWith(`.${s}`),
  );
  if (reserved !== undefined) {
    return bad(
      `is under '.${reserved}', which never leads to the public internet`,
      'sandboxes reach cluster and VPC services through their NetworkPolicy, never the gateway',
    );
  }
  return undefined;
}

/** What the gateway allows and how it is run. */
export interface SquidConfigOptions {
  /** Names the sandbox may reach: exact (`pypi.org`) or `*.suffix` (see {@link checkDomainPattern}). */
  readonly domains: string[];
  /**
   * Destination ports. Every listed port but 80 is reached through CONNECT (a TLS tunnel); port
   * 80, when listed, is reached by plain `http://` requests, which Squid forwards itself.
   * @default [443]
   */
  readonly ports?: number[];
  /** Sandbox labels written as `key=value` on every access-log line (at least one). */
  readonly labels: Record<string, string>;
  /**
   * The port the gateway listens on (1024 or above: the gateway runs as a non-root user).
   * @default EGRESS_GATEWAY_PORT (3128)
   */
  readonly listenPort?: number;
  /**
   * Resolvers the gateway asks.
   * @default - those of the pod's /etc/resolv.conf (search domains are never appended)
   */
  readonly dnsServers?: string[];
  /**
   * A hosts file Squid reads before DNS. For tests only: in a cluster, names come from DNS.
   * @default - none (`hosts_file none`: not even the pod's /etc/hosts)
   */
  readonly hostsFile?: string;
  /**
   * The one directory the gateway writes (pid file, core dumps): an emptyDir.
   * @default EGRESS_GATEWAY_RUN_DIRECTORY (/var/run/squid)
   */
  readonly runDirectory?: string;
}

/** The log fields the gateway writes itself; a label key may not take one of these names. */
export const EGRESS_GATEWAY_LOG_FIELDS: readonly string[] = [
  'time',
  'decision',
  'reason',
  'method',
  'host',
  'port',
  'status',
  'result',
  'server',
  'server_port',
  'client',
  'request_bytes',
  'reply_bytes',
  'duration_ms',
];

/**
 * The `reason=` an access-log line carries when the gateway refuses a request, in the order the
 * rules are tried. An allowed request logs `decision=allow reason=-`.
 */
export const EGRESS_GATEWAY_DENY_REASONS = {
  cacheManager: 'cache-manager',
  ipLiteral: 'ip-literal',
  nameNotAllowed: 'name-not-allowed',
  portNotAllowed: 'port-not-allowed',
  plainHttpNotAllowed: 'plain-http-not-allowed',
  internalAddress: 'internal-address',
  default: 'default',
} as const;

const PATH = /^\/[A-Za-z0-9._/-]*$/;

function checkPath(field: string, value: string): string | undefined {
  if (!PATH.test(value) || value.split('/').includes('..')) {
    return (
      `${field} '${value}' is not a plain absolute path; use '/' followed by letters, digits, ` +
      `'.', '_', '-' and '/' (no spaces, no '..')`
    );
  }
  return undefined;
}

/** Every problem with `options`, first first. */
function problems(options: SquidConfigOptions): string[] {
  const found: (string | undefined)[] = [];
  const { domains, labels } = options;
  if (domains.length === 0) {
    found.push(
      'domains is empty; list the names the sandbox needs, or give the sandbox no egress gateway',
    );
  }
  domains.forEach((d, i) => {
    found.push(checkDomainPattern(`domains[${i}]`, d));
    const first = domains.indexOf(d);
    if (first !== i) found.push(`domains[${i}] '${d}' repeats domains[${first}]; list it once`);
    const cover = domains.findIndex(
      (w, j) => j !== i && w.startsWith('*.') && d.endsWith(w.slice(1)),
    );
    if (cover >= 0) {
      found.push(
        `domains[${i}] '${d}' is already allowed by domains[${cover}] '${domains[cover]}'; remove it`,
      );
    }
  });
  const ports = options.ports ?? [443];
  if (ports.length === 0) found.push('ports is empty; list at least one port, such as 443');
  ports.forEach((p, i) => {
    found.push(checkInteger(`ports[${i}]`, p, 1, 65535));
    const first = ports.indexOf(p);
    if (first !== i) found.push(`ports[${i}] ${p} repeats ports[${first}]; list it once`);
  });
  const keys = Object.keys(labels);
  if (keys.length === 0) {
    found.push(
      'labels is empty; give at least the label that names the sandbox, so each log line says whose request it was',
    );
  }
  for (const key of keys) {
    found.push(checkLabelKey(`labels key`, key));
    found.push(checkLabelValue(`labels['${key}']`, labels[key]));
    if (EGRESS_GATEWAY_LOG_FIELDS.includes(key)) {
      found.push(
        `labels key '${key}' is the name of a log field; use a prefixed key such as 'example.com/${key}'`,
      );
    }
  }
  if (options.listenPort !== undefined) {
    found.push(checkInteger('listenPort', options.listenPort, 1024, 65535));
  }
  if (options.dnsServers !== undefined) {
    if (options.dnsServers.length === 0) {
      found.push(
        'dnsServers is empty; omit it to use /etc/resolv.conf, or list resolver addresses',
      );
    }
    options.dnsServers.forEach((s, i) => {
      if (!parseStrictIp(s)) {
        found.push(
          `dnsServers[${i}] '${s}' is not an IP address; use 'a.b.c.d' or an IPv6 address`,
        );
      }
    });
  }
  if (options.hostsFile !== undefined) found.push(checkPath('hostsFile', options.hostsFile));
  if (options.runDirectory !== undefined) {
    found.push(checkPath('runDirectory', options.runDirectory));
  }
  return found.filter((p): p is string => p !== undefined);
}

/**
 * Renders squid.conf for one sandbox's egress gateway (Squid 5, Debian 12's `squid`).
 *
 * Rules, tried in order; each refusal is logged with its reason ({@link EGRESS_GATEWAY_DENY_REASONS}):
 * 1. the cache manager, then any IP-literal destination (Squid reads `2130706433`, `0x7f.1` and
 *    `[::ffff:127.0.0.1]` as addresses too);
 * 2. a name not on the list (compared as text, before any DNS lookup: a refused name is never
 *    resolved, so the gateway cannot be used as a DNS channel);
 * 3. CONNECT to a port not listed (or to 80); a plain request unless port 80 is listed, and then
 *    only `http://` to port 80;
 * 4. a name any of whose addresses lies in {@link EGRESS_GATEWAY_DENIED_DESTINATIONS};
 * 5. what is left is allowed; anything else is denied.
 *
 * No caching, no `Via` or `X-Forwarded-For`, no hosts file, one access-log line per request on
 * stdout carrying `labels`, the cache log on stderr; it runs as any non-root user with only
 * `runDirectory` writable. Throws a {@link ValidationError} on `path` for the first invalid option.
 */
export function renderSquidConfig(options: SquidConfigOptions, path = 'EgressGateway'): string {
  const found = problems(options);
  if (found.length > 0) throw new ValidationError(path, found[0]);

  const ports = options.ports ?? [443];
  const connectPorts = ports.filter((p) => p !== 80);
  const plainHttp = ports.includes(80);
  const exact = options.domains.filter((d) => !d.startsWith('*.'));
  const suffixes = options.domains.filter((d) => d.startsWith('*.')).map((d) => d.slice(1));
  const run = options.runDirectory ?? EGRESS_GATEWAY_RUN_DIRECTORY;
  const labels = Object.keys(options.labels)
    .sort()
    .map((k) => `${k}=${options.labels[k]}`);
  const r = EGRESS_GATEWAY_DENY_REASONS;
  const deny = (reason: string) => `deny_${reason.replace(/-/g, '_')}`;
  const nameAcls = [
    exact.length > 0 ? '!allowed_names' : '',
    suffixes.length > 0 ? '!allowed_subdomains' : '',
  ]
    .filter((a) => a !== '')
    .join(' ');

  const lines = [
    '# Generated by eval-sandbox (constructs/shared/egress-gateway-config.ts). Do not edit.',
    '# The egress gateway of one sandbox: names on the list, through CONNECT, and nothing else.',
    '',
    '# Non-root on a read-only root filesystem: only the run directory is written; logs go to',
    '# stdout (access) and stderr (cache log).',
    `http_port ${options.listenPort ?? EGRESS_GATEWAY_PORT}`,
    `pid_filename ${run}/squid.pid`,
    `coredump_dir ${run}`,
    'cache_log stdio:/dev/stderr',
    'logfile_rotate 0',
    'netdb_filename none',
    'pinger_enable off',
    'icp_port 0',
    'htcp_port 0',
    'shutdown_lifetime 1 seconds',
    'visible_hostname egress-gateway',
    'httpd_suppress_version_string on',
    '',
    '# Nothing is cached, nothing about the sandbox is added to requests.',
    'cache deny all',
    'cache_mem 0 MB',
    'via off',
    'forwarded_for delete',
    '',
    '# Names come from DNS only, never with a search domain appended.',
    `hosts_file ${options.hostsFile ?? 'none'}`,
    'dns_defnames off',
    ...(options.dnsServers ? [`dns_nameservers ${options.dnsServers.join(' ')}`] : []),
    '',
    '# One line per request, with the sandbox labels.',
    'logformat sandbox time=%{%Y-%m-%dT%H:%M:%S}tg.%03tuZ ' +
      `${labels.join(' ')} decision=%{decision}note reason=%{reason}note method=%rm host=%>rd ` +
      'port=%>rP status=%>Hs result=%Ss server=%<a server_port=%<p client=%>a ' +
      'request_bytes=%>st reply_bytes=%<st duration_ms=%tr',
    'access_log stdio:/dev/stdout sandbox',
    '',
    '# What the sandbox may reach.',
    ...(exact.length > 0 ? [`acl allowed_names dstdomain -n ${exact.join(' ')}`] : []),
    ...(suffixes.length > 0
      ? [
          `acl allowed_subdomains dstdomain -n ${suffixes.join(' ')}`,
          `acl wildcard_apexes dstdomain -n ${suffixes.map((s) => s.slice(1)).join(' ')}`,
        ]
      : []),
    'acl connect_method method CONNECT',
    ...(connectPorts.length > 0 ? [`acl connect_ports port ${connectPorts.join(' ')}`] : []),
    ...(plainHttp ? ['acl plain_http_port port 80', 'acl http_scheme proto HTTP'] : []),
    '# A host Squid reads as an address: dotted, decimal, octal or hex IPv4, or IPv6.',
    'acl ip_literal dstdom_regex -n ^[0-9.]+$ :',
    '# Where no allowed name may lead, whatever DNS answers.',
    `acl internal_destinations dst ${EGRESS_GATEWAY_DENIED_DESTINATIONS.join(' ')}`,
    '',
    '# Each decision is annotated, so the log line says why.',
    ...Object.values(r).map(
      (reason) => `acl ${deny(reason)} annotate_transaction decision=deny reason=${reason}`,
    ),
    'acl allow_request annotate_transaction decision=allow',
    '',
    `http_access deny manager ${deny(r.cacheManager)}`,
    `http_access deny ip_literal ${deny(r.ipLiteral)}`,
    `http_access deny ${nameAcls} ${deny(r.nameNotAllowed)}`,
    ...(suffixes.length > 0
      ? [
          `http_access deny wildcard_apexes ${exact.length > 0 ? '!allowed_names ' : ''}${deny(r.nameNotAllowed)}`,
        ]
      : []),
    connectPorts.length > 0
      ? `http_access deny connect_method !connect_ports ${deny(r.portNotAllowed)}`
      : `http_access deny connect_method ${deny(r.portNotAllowed)}`,
    ...(plainHttp
      ? [
          `http_access deny !connect_method !http_scheme ${deny(r.plainHttpNotAllowed)}`,
          `http_access deny !connect_method !plain_http_port ${deny(r.portNotAllowed)}`,
        ]
      : [`http_access deny !connect_method ${deny(r.plainHttpNotAllowed)}`]),
    '# Only now is the name resolved: every address it has must be public.',
    `http_access deny internal_destinations ${deny(r.internalAddress)}`,
    ...(connectPorts.length > 0
      ? ['http_access allow connect_method connect_ports allow_request']
      : []),
    ...(plainHttp
      ? ['http_access allow !connect_method http_scheme plain_http_port allow_request']
      : []),
    `http_access deny all ${deny(r.default)}`,
    '',
  ];
  return lines.join('\n');
}
