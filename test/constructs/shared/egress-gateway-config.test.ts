import * as ipaddr from 'ipaddr.js';
import {
  EGRESS_GATEWAY_DENIED_DESTINATIONS,
  EGRESS_GATEWAY_DENY_REASONS,
  EGRESS_GATEWAY_LOG_FIELDS,
  EGRESS_GATEWAY_PORT,
  EGRESS_GATEWAY_RUN_DIRECTORY,
  SquidConfigOptions,
  checkDomainPattern,
  renderSquidConfig,
} from '../../../constructs/shared/egress-gateway-config';
import { ValidationError } from '../../../constructs/shared/errors';
import { parseStrictCidr } from '../../../constructs/shared/network';
import { INSTANCE_METADATA_CIDRS, LINK_LOCAL_CIDRS } from '../../../constructs/shared/platform';

const MINIMAL: SquidConfigOptions = {
  domains: ['pypi.org', '*.githubusercontent.com'],
  labels: { 'eval-sandbox.io/sandbox': 'sbx-1' },
};

/** The squid.conf lines that start with `directive `. */
const directives = (conf: string, directive: string) =>
  conf.split('\n').filter((l) => l.startsWith(`${directive} `));

describe('checkDomainPattern', () => {
  test.each([
    'pypi.org',
    'files.pythonhosted.org',
    '*.githubusercontent.com',
    '*.s3.eu-west-2.amazonaws.com',
    'xn--bcher-kva.de',
    '123.example.com',
    '0x1.com',
    'a--b.io',
    `${'a'.repeat(63)}.com`,
  ])('GIVEN %s THEN it is accepted', (value) => {
    expect(checkDomainPattern('domains[0]', value)).toBeUndefined();
  });

  const IP =
    'is an IP address; the gateway allows names only; allow the name the service is reached by (an address belongs in the egress NetworkPolicy)';
  const RESERVED = (s: string) =>
    `is under '.${s}', which never leads to the public internet; sandboxes reach cluster and VPC services through their NetworkPolicy, never the gateway`;
  const NOT_A_LABEL = (l: string) =>
    `has the label '${l}', which is not a DNS label; use lowercase letters, digits and '-', not at either end (internationalised names in punycode, 'xn--…')`;
  const EMPTY_LABEL =
    "has an empty label; separate labels with single dots, as in 'files.pythonhosted.org'";
  const STAR =
    "has a '*' that is not a whole leading label; write a wildcard as '*.' followed by a suffix, such as '*.githubusercontent.com'";
  const long = `${'a'.repeat(63)}.`.repeat(4) + 'com';
  test.each([
    ['empty', '', "is empty; use a name such as 'pypi.org'"],
    ['a bare *', '*', "would allow every name; list the names the agent needs, or '*.suffix' for the names under one domain"],
    ['IPv4', '1.2.3.4', IP],
    ['IPv4 in decimal', '2130706433', IP],
    ['IPv4 in hex and short form', '0x7f.1', IP],
    ['IPv6', 'fd00:ec2::254', IP],
    ['bracketed IPv6', '[::1]', IP],
    ['a wildcard over an address', '*.10.0.0.1', IP],
    ['a URL', 'https://pypi.org/simple', "is a URL, not a name; give only the name, such as 'pypi.org'"],
    ['a port', 'pypi.org:443', "has a port; give the name 'pypi.org' and list 443 in ports"],
    ['a trailing *', 'pypi.*', STAR],
    ['an inner *', 'a.*.com', STAR],
    ['a double *', '**.a.com', STAR],
    ['a partial-label *', '*pypi.org', STAR],
    ['uppercase', 'PyPI.org', "has uppercase letters; write it in lowercase: 'pypi.org'"],
    ['a trailing dot', 'pypi.org.', "ends with a dot; drop the trailing dot: 'pypi.org'"],
    ['a leading dot', '.pypi.org', EMPTY_LABEL],
    ['two dots', 'pypi..org', EMPTY_LABEL],
    ['a wildcard with no suffix', '*.', EMPTY_LABEL],
    ['a 64-character label', `${'a'.repeat(64)}.com`, `has the label '${'a'.repeat(64)}' of 64 characters; a label has at most 63`],
    ['a 259-character name', long, 'is 259 characters long; a DNS name has at most 253'],
    ['an underscore', 'a_b.com', NOT_A_LABEL('a_b')],
    ['a leading hyphen', '-a.com', NOT_A_LABEL('-a')],
    ['a trailing hyphen', 'a-.com', NOT_A_LABEL('a-')],
    ['unicode', 'bücher.de', NOT_A_LABEL('bücher')],
    ['whitespace', ' pypi.org', NOT_A_LABEL(' pypi')],
    ['an all-numeric last label', 'pypi.123', 'ends in an all-numeric label, which resolvers may read as an address; use the real name of the service'],
    ['a single label', 'localhost', 'is a single-label name; use a fully qualified public name (the gateway never appends a search domain)'],
    ['a whole top-level domain', '*.com', "would allow a whole top-level domain; name a registered domain under it, such as '*.example.com'"],
    ['a cluster Service', 'kubernetes.default.svc.cluster.local', RESERVED('local')],
    ['a wildcard over the cluster', '*.svc.cluster.local', RESERVED('local')],
    ['an EC2 private name', 'ip-10-0-0-1.ec2.internal', RESERVED('internal')],
    ['the GCE metadata name', 'metadata.google.internal', RESERVED('internal')],
    ['a name under localhost', 'app.localhost', RESERVED('localhost')],
    ['a reverse-lookup name', '1.0.0.10.in-addr.arpa', RESERVED('arpa')],
    ['a home network name', 'nas.home.arpa', RESERVED('arpa')],
    ['a test name', 'foo.test', RESERVED('test')],
    ['an onion service', 'abc.onion', RESERVED('onion')],
  ])('GIVEN %s (%p) THEN it is refused with the fix', (_what, value, message) => {
    expect(checkDomainPattern('domains[0]', value)).toBe(`domains[0] '${value}' ${message}`);
  }); // prettier-ignore
});

describe('renderSquidConfig defaults', () => {
  const conf = renderSquidConfig(MINIMAL);

  test('GIVEN minimal options THEN it listens on 3128 and writes only under /var/run/squid', () => {
    expect(EGRESS_GATEWAY_PORT).toBe(3128);
    expect(EGRESS_GATEWAY_RUN_DIRECTORY).toBe('/var/run/squid');
    expect(directives(conf, 'http_port')).toEqual(['http_port 3128']);
    expect(directives(conf, 'pid_filename')).toEqual(['pid_filename /var/run/squid/squid.pid']);
    expect(directives(conf, 'coredump_dir')).toEqual(['coredump_dir /var/run/squid']);
    expect(directives(conf, 'cache_dir')).toEqual([]);
    expect(directives(conf, 'netdb_filename')).toEqual(['netdb_filename none']);
    expect(directives(conf, 'cache_log')).toEqual(['cache_log stdio:/dev/stderr']);
    expect(directives(conf, 'access_log')).toEqual(['access_log stdio:/dev/stdout sandbox']);
  });

  test('GIVEN minimal options THEN CONNECT to 443 only, and no plain HTTP', () => {
    expect(directives(conf, 'acl connect_ports')).toEqual(['acl connect_ports port 443']);
    expect(conf).toContain('http_access deny !connect_method deny_plain_http_not_allowed\n');
    expect(conf).not.toContain('plain_http_port');
  });

  test('GIVEN minimal options THEN names come from DNS alone: no hosts file, no search domain, resolv.conf', () => {
    expect(directives(conf, 'hosts_file')).toEqual(['hosts_file none']);
    expect(directives(conf, 'dns_defnames')).toEqual(['dns_defnames off']);
    expect(directives(conf, 'dns_nameservers')).toEqual([]);
  });

  test('GIVEN minimal options THEN nothing is cached and nothing about the client is added', () => {
    for (const line of ['cache deny all', 'cache_mem 0 MB', 'via off', 'forwarded_for delete']) {
      expect(conf.split('\n')).toContain(line);
    }
  });

  test('GIVEN the rules THEN names are checked before any lookup, and the last rule denies', () => {
    const access = directives(conf, 'http_access');
    const index = (fragment: string) => access.findIndex((l) => l.includes(fragment));
    expect(index('deny manager')).toBe(0);
    expect(index('deny ip_literal')).toBe(1);
    expect(index('!allowed_names !allowed_subdomains')).toBe(2);
    expect(index('internal_destinations')).toBeGreaterThan(index('wildcard_apexes'));
    expect(index('internal_destinations')).toBeGreaterThan(index('connect_ports'));
    expect(access[access.length - 1]).toBe('http_access deny all deny_default');
  });

  test('GIVEN exact and wildcard names THEN the wildcard allows subdomains and its apex is denied', () => {
    expect(directives(conf, 'acl allowed_names')).toEqual([
      'acl allowed_names dstdomain -n pypi.org',
    ]);
    expect(directives(conf, 'acl allowed_subdomains')).toEqual([
      'acl allowed_subdomains dstdomain -n .githubusercontent.com',
    ]);
    expect(directives(conf, 'acl wildcard_apexes')).toEqual([
      'acl wildcard_apexes dstdomain -n githubusercontent.com',
    ]);
    expect(conf).toContain(
      'http_access deny wildcard_apexes !allowed_names deny_name_not_allowed\n',
    );
  });

  test('GIVEN labels THEN each log line carries them sorted, after the time, and every reason is annotated', () => {
    const twoLabels = renderSquidConfig({
      ...MINIMAL,
      labels: { 'eval-sandbox.io/sandbox': 'sbx-1', 'eval-sandbox.io/evaluation-id': 'e-7' },
    });
    const [format] = directives(twoLabels, 'logformat');
    expect(format).toMatch(
      /^logformat sandbox time=\S+ eval-sandbox.io\/evaluation-id=e-7 eval-sandbox.io\/sandbox=sbx-1 decision=%\{decision\}note reason=%\{reason\}note /,
    );
    const fields = format
      .split(' ')
      .slice(2)
      .map((f) => f.split('=')[0]);
    expect(fields.filter((f) => !f.includes('/'))).toEqual(EGRESS_GATEWAY_LOG_FIELDS);
    for (const reason of Object.values(EGRESS_GATEWAY_DENY_REASONS)) {
      expect(twoLabels).toContain(`annotate_transaction decision=deny reason=${reason}\n`);
    }
  });
});

describe('renderSquidConfig options', () => {
  test('GIVEN ports 443, 80 and 8443 THEN CONNECT to 443 and 8443, plain http:// to 80 only', () => {
    const conf = renderSquidConfig({ ...MINIMAL, ports: [443, 80, 8443] });
    expect(directives(conf, 'acl connect_ports')).toEqual(['acl connect_ports port 443 8443']);
    expect(conf).toContain('acl plain_http_port port 80\n');
    expect(conf).toContain('http_access deny !connect_method !http_scheme deny_plain_http_not_allowed\n');
    expect(conf).toContain('http_access deny !connect_method !plain_http_port deny_port_not_allowed\n');
    expect(conf).toContain('http_access allow !connect_method http_scheme plain_http_port allow_request\n');
  }); // prettier-ignore

  test('GIVEN port 80 alone THEN every CONNECT is refused', () => {
    const conf = renderSquidConfig({ ...MINIMAL, ports: [80] });
    expect(conf).toContain('http_access deny connect_method deny_port_not_allowed\n');
    expect(conf).not.toContain('connect_ports');
  });

  test('GIVEN only exact names or only wildcards THEN only the ACLs in use are written', () => {
    const exact = renderSquidConfig({ ...MINIMAL, domains: ['pypi.org'] });
    expect(exact).toContain('http_access deny !allowed_names deny_name_not_allowed\n');
    expect(exact).not.toContain('allowed_subdomains');
    const wild = renderSquidConfig({ ...MINIMAL, domains: ['*.githubusercontent.com'] });
    expect(wild).toContain('http_access deny !allowed_subdomains deny_name_not_allowed\n');
    expect(wild).toContain('http_access deny wildcard_apexes deny_name_not_allowed\n');
    expect(wild).not.toContain('allowed_names');
  });

  test('GIVEN the other options THEN they reach their directives', () => {
    const conf = renderSquidConfig({
      ...MINIMAL,
      listenPort: 8080,
      dnsServers: ['10.0.0.2', 'fd00::2'],
      hostsFile: '/etc/test-hosts',
      runDirectory: '/run/gw',
    });
    expect(directives(conf, 'http_port')).toEqual(['http_port 8080']);
    expect(directives(conf, 'dns_nameservers')).toEqual(['dns_nameservers 10.0.0.2 fd00::2']);
    expect(directives(conf, 'hosts_file')).toEqual(['hosts_file /etc/test-hosts']);
    expect(directives(conf, 'pid_filename')).toEqual(['pid_filename /run/gw/squid.pid']);
  });

  test('GIVEN the same options twice THEN the output is byte-identical', () => {
    expect(renderSquidConfig(MINIMAL)).toBe(renderSquidConfig({ ...MINIMAL }));
  });

  test.each([
    [{ domains: [] }, 'domains is empty; list the names the sandbox needs, or give the sandbox no egress gateway'],
    [{ domains: ['pypi.org', 'PyPI.org'] }, "domains[1] 'PyPI.org' has uppercase letters; write it in lowercase: 'pypi.org'"],
    [{ domains: ['pypi.org', 'pypi.org'] }, "domains[1] 'pypi.org' repeats domains[0]; list it once"],
    [{ domains: ['*.a.com', 'x.a.com'] }, "domains[1] 'x.a.com' is already allowed by domains[0] '*.a.com'; remove it"],
    [{ domains: ['*.a.com', '*.b.a.com'] }, "domains[1] '*.b.a.com' is already allowed by domains[0] '*.a.com'; remove it"],
    [{ ports: [] }, 'ports is empty; list at least one port, such as 443'],
    [{ ports: [0] }, 'ports[0] must be a whole number from 1 to 65535; got 0'],
    [{ ports: [443, 1.5] }, 'ports[1] must be a whole number from 1 to 65535; got 1.5'],
    [{ ports: [443, 443] }, 'ports[1] 443 repeats ports[0]; list it once'],
    [{ labels: {} }, 'labels is empty; give at least the label that names the sandbox, so each log line says whose request it was'],
    [{ labels: { 'a b': 'x' } }, "labels key 'a b' is not a valid label key; use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.' (for example 'example.com/team')"],
    [{ labels: { team: 'a%b' } }, "labels['team'] 'a%b' is not a valid label value; use at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit (for example replace '/' and ':' with '-')"],
    [{ labels: { decision: 'allow' } }, "labels key 'decision' is the name of a log field; use a prefixed key such as 'example.com/decision'"],
    [{ listenPort: 80 }, 'listenPort must be a whole number from 1024 to 65535; got 80'],
    [{ dnsServers: [] }, 'dnsServers is empty; omit it to use /etc/resolv.conf, or list resolver addresses'],
    [{ dnsServers: ['dns.google'] }, "dnsServers[0] 'dns.google' is not an IP address; use 'a.b.c.d' or an IPv6 address"],
    [{ hostsFile: 'hosts' }, "hostsFile 'hosts' is not a plain absolute path; use '/' followed by letters, digits, '.', '_', '-' and '/' (no spaces, no '..')"],
    [{ runDirectory: '/run/x\nhttp_access allow all' }, "runDirectory '/run/x\nhttp_access allow all' is not a plain absolute path; use '/' followed by letters, digits, '.', '_', '-' and '/' (no spaces, no '..')"],
    [{ runDirectory: '/var/../etc' }, "runDirectory '/var/../etc' is not a plain absolute path; use '/' followed by letters, digits, '.', '_', '-' and '/' (no spaces, no '..')"],
  ])('GIVEN %j THEN a ValidationError says what and how to fix it', (bad, message) => {
    let thrown: unknown;
    try {
      renderSquidConfig({ ...MINIMAL, ...bad }, 'Sandbox/EgressGateway');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).message).toBe(`Sandbox/EgressGateway: ${message}`);
  }); // prettier-ignore
});

describe('denied destinations', () => {
  const denied = EGRESS_GATEWAY_DENIED_DESTINATIONS.map((c) => parseStrictCidr(c));
  const inside = (cidr: string) => {
    const [address, bits] = parseStrictCidr(cidr) ?? [];
    if (address === undefined || bits === undefined) throw new Error(`not a CIDR: ${cidr}`);
    return denied.some(
      (d) =>
        d !== undefined &&
        d[0].kind() === address.kind() &&
        d[1] <= bits &&
        (address as ipaddr.IPv4).match(d[0] as ipaddr.IPv4, d[1]),
    );
  };

  test('GIVEN the list THEN every entry is a CIDR with its network address, and none is IPv4-mapped', () => {
    EGRESS_GATEWAY_DENIED_DESTINATIONS.forEach((c, i) => {
      expect([c, denied[i]]).toEqual([c, expect.anything()]);
      // Squid stores IPv4 as ::ffff:a.b.c.d: a mapped range would read as 0.0.0.0/0.
      expect(c.startsWith('::ffff:')).toBe(false);
    });
  });

  test.each([
    ...INSTANCE_METADATA_CIDRS,
    ...LINK_LOCAL_CIDRS,
    '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.1/32', '100.64.0.0/10', '0.0.0.0/32',
    '224.0.0.1/32', '255.255.255.255/32', '::1/128', '::/128', 'fd00::/8', 'fe80::1/128',
    '64:ff9b::a9fe:a9fe/128', '64:ff9b::a00:5/128', '64:ff9b::7f00:1/128',
  ])('GIVEN %s THEN the gateway refuses it', (cidr) => {
    expect(inside(cidr)).toBe(true);
  }); // prettier-ignore

  test.each(['203.0.113.10/32', '151.101.0.223/32', '2a04:4e42::223/128', '64:ff9b::9765:df/128'])(
    'GIVEN the public address %s THEN it is not in the list',
    (cidr) => expect(inside(cidr)).toBe(false),
  );

  test('GIVEN the config THEN its dst ACL is exactly the list', () => {
    expect(directives(renderSquidConfig(MINIMAL), 'acl internal_destinations')).toEqual([
      `acl internal_destinations dst ${EGRESS_GATEWAY_DENIED_DESTINATIONS.join(' ')}`,
    ]);
  });
});
