/**
 * SBX-R10 (no metadata or link-local egress) and SBX-R13 (network peers) beyond the fixtures:
 * the forms of ipBlock, peer and port each one refuses, the pack parameters, the identities, and
 * what the constructs emit.
 */
import { EgressPolicy } from '../../../constructs/k8s/egress-policy';
import { SandboxNamespace } from '../../../constructs/k8s/sandbox-namespace';
import { PolicyEvaluator, Verdict } from '../../../policies/k8s/evaluate';
import { IDENTITIES } from '../../../policies/k8s/fixtures/cases';
import { KubeObject } from '../../../policies/k8s/pack';
import { EGRESS_GATEWAY_LABEL } from '../../../policies/k8s/r19-internet-egress-gateway-only/rule';
import { expectValidationError, newChart, synth } from '../../support/k8s';

const R10 = 'SBX-R10-no-metadata-egress';
const R13 = 'SBX-R13-network-peers';
const evaluator = PolicyEvaluator.forPack();

/**
 * A policy selecting the egress gateway's pods, the only ones SBX-R19 lets reach the internet: the
 * R10 and R13 bounds hold for it too, and these tests see only their answers.
 */
function policy(spec: KubeObject): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'p' },
    spec: { podSelector: { matchLabels: { [EGRESS_GATEWAY_LABEL]: 'true' } }, ...spec },
  };
}

const egressTo = (peer: KubeObject, ports?: KubeObject[]) =>
  policy({ policyTypes: ['Egress'], egress: [{ to: [peer], ...(ports ? { ports } : {}) }] });
const ipBlock = (cidr: string, except?: string[]) =>
  egressTo({ ipBlock: { cidr, ...(except ? { except } : {}) } }, [{ protocol: 'TCP', port: 443 }]);
const rulesOf = (v: Verdict) => [...new Set(v.violations.map((x) => x.rule))];

const DNS = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};
const DNS_PORTS = [
  { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 53 },
];

describe('SBX-R10: ipBlocks keep metadata and link-local closed', () => {
  test.each<[string, string, string[] | undefined]>([
    ['a private range', '10.0.0.0/8', undefined],
    ['a public host', '93.184.215.14/32', undefined],
    ['the internet minus link-local', '0.0.0.0/0', ['169.254.0.0/16']],
    ['the internet minus a range around link-local', '0.0.0.0/0', ['169.0.0.0/8']],
    ['a range just below link-local', '169.253.0.0/16', undefined],
    ['a range just above link-local', '169.255.0.0/16', undefined],
    [
      'the IPv6 internet minus link-local and metadata',
      '::/0',
      ['fd00:ec2::254/128', 'fd00:ec2::23/128', 'fe80::/10'],
    ],
    [
      'the AWS IPv6 service range minus metadata',
      'fd00:ec2::/32',
      ['fd00:ec2::254/128', 'fd00:ec2::23/128'],
    ],
    ['an IPv6 range outside link-local', 'fec0::/10', undefined],
  ])('GIVEN %s THEN it is admitted', (_what, cidr, except) => {
    expect(evaluator.evaluate(ipBlock(cidr, except))).toEqual({ admitted: true, violations: [] });
  });

  test.each<[string, string, string[] | undefined]>([
    ['all of IPv4 link-local', '169.254.0.0/16', undefined],
    [
      'link-local minus the metadata hosts',
      '169.254.0.0/16',
      ['169.254.169.254/32', '169.254.170.23/32'],
    ],
    ['the VPC resolver', '169.254.169.253/32', undefined],
    ['the time service', '169.254.169.123/32', undefined],
    ['the internet minus half of link-local', '0.0.0.0/0', ['169.254.0.0/17']],
    [
      'the internet minus link-local in two halves',
      '0.0.0.0/0',
      ['169.254.0.0/17', '169.254.128.0/17'],
    ],
    [
      'the internet minus the metadata hosts only',
      '0.0.0.0/0',
      ['169.254.169.254/32', '169.254.170.23/32'],
    ],
    ['a range around link-local, nothing excepted', '169.0.0.0/8', undefined],
    [
      'the IPv6 internet minus metadata, link-local open',
      '::/0',
      ['fd00:ec2::254/128', 'fd00:ec2::23/128'],
    ],
    ['the IPv6 internet minus link-local, metadata open', '::/0', ['fe80::/10']],
    ['IPv6 link-local', 'fe80::/10', undefined],
    ['a piece of IPv6 link-local', 'febf::/16', undefined],
    ['the IPv6 metadata host', 'fd00:ec2::254/128', undefined],
    ['an IPv4-mapped metadata host', '::ffff:169.254.169.254/128', undefined],
    ['an IPv4-mapped range', '::ffff:0:0/96', undefined],
    ['an IPv4-mapped metadata host in hex', '::ffff:a9fe:a9fe/128', undefined],
    ['host bits set', '169.254.169.254/0', undefined],
    ['host bits set in an except entry', '0.0.0.0/0', ['169.254.0.1/16']],
    [
      'an except entry in upper case',
      '::/0',
      ['fd00:ec2::254/128', 'fd00:ec2::23/128', 'FE80::/10'],
    ],
    ['IPv6 not in its shortest form', 'fd00:ec2:0:0:0:0:0:254/128', undefined],
    ['leading zeros in the prefix length', '10.0.0.0/08', undefined],
    ['leading zeros in an octet', '010.0.0.0/8', undefined],
  ])('GIVEN %s THEN SBX-R10 alone refuses it', (_what, cidr, except) => {
    const verdict = evaluator.evaluate(ipBlock(cidr, except));
    expect(verdict.admitted).toBe(false);
    expect(rulesOf(verdict)).toEqual([R10]);
    expect(verdict.violations[0].message).toContain(cidr);
  });

  test('GIVEN EgressPolicy for any allowed range THEN what it emits passes the whole pack', () => {
    const cidrs = [
      '10.0.0.0/8',
      '10.20.0.0/16',
      '172.16.0.0/12',
      '192.168.1.0/24',
      '100.64.0.0/10',
      'fc00::/7',
      'fd00::/8',
      'fd00:ec2::/32',
    ];
    const chart = newChart();
    cidrs.forEach(
      (cidr, i) => new EgressPolicy(chart, `P${i}`, { namespace: 'sbx-1', cidr, ports: [443] }),
    );
    for (const o of synth(chart))
      expect({ cidr: o.spec.egress[0].to[0].ipBlock, ...evaluator.evaluate(o) }).toMatchObject({
        admitted: true,
      });
  });
});

describe('SBX-R13: egress peers', () => {
  test.each<[string, KubeObject]>([
    ['pods of the namespace', egressTo({ podSelector: {} })],
    ['labelled pods of the namespace', egressTo({ podSelector: { matchLabels: { app: 'x' } } })],
    ['an ipBlock', ipBlock('10.0.0.0/8')],
    ['the cluster DNS on UDP and TCP 53', egressTo(DNS, DNS_PORTS)],
    ['the cluster DNS on UDP 53', egressTo(DNS, [{ protocol: 'UDP', port: 53 }])],
    ['the cluster DNS on 53, protocol defaulted', egressTo(DNS, [{ port: 53 }])],
  ])('GIVEN %s THEN it is admitted', (_what, object) => {
    expect(evaluator.evaluate(object)).toEqual({ admitted: true, violations: [] });
  });

  test.each<[string, KubeObject]>([
    ['namespaceSelector {}', egressTo({ namespaceSelector: {} })],
    [
      'namespaceSelector {} and podSelector {}',
      egressTo({ namespaceSelector: {}, podSelector: {} }),
    ],
    ['namespaceSelector {} on port 53', egressTo({ namespaceSelector: {} }, DNS_PORTS)],
    [
      'the DNS namespace without a podSelector',
      egressTo({ namespaceSelector: DNS.namespaceSelector }, DNS_PORTS),
    ],
    ['the DNS pods without ports', egressTo(DNS)],
    ['the DNS pods with an empty port list', egressTo(DNS, [])],
    ['the DNS pods on 53 and 9153', egressTo(DNS, [...DNS_PORTS, { port: 9153 }])],
    ['the DNS pods on a named port', egressTo(DNS, [{ protocol: 'UDP', port: 'dns' }])],
    ['the DNS pods on 53 over SCTP', egressTo(DNS, [{ protocol: 'SCTP', port: 53 }])],
    ['the DNS pods on a port range', egressTo(DNS, [{ protocol: 'TCP', port: 53, endPort: 1024 }])],
    [
      'the DNS pods plus other pods',
      egressTo(
        { ...DNS, podSelector: { matchLabels: { 'k8s-app': 'kube-dns', extra: 'x' } } },
        DNS_PORTS,
      ),
    ],
    [
      'pods with the DNS labels in every namespace',
      egressTo({ namespaceSelector: {}, podSelector: DNS.podSelector }, DNS_PORTS),
    ],
    [
      'a namespace selector by expression',
      egressTo(
        {
          namespaceSelector: {
            matchExpressions: [
              { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['sbx-1'] },
            ],
          },
          podSelector: DNS.podSelector,
        },
        DNS_PORTS,
      ),
    ],
    [
      'the DNS selectors with an extra expression',
      egressTo(
        {
          ...DNS,
          podSelector: {
            ...DNS.podSelector,
            matchExpressions: [{ key: 'app', operator: 'Exists' }],
          },
        },
        DNS_PORTS,
      ),
    ],
  ])('GIVEN %s THEN SBX-R13 alone refuses it', (_what, object) => {
    const verdict = evaluator.evaluate(object);
    expect(verdict.admitted).toBe(false);
    expect(rulesOf(verdict)).toEqual([R13]);
    expect(verdict.violations[0].message).toMatch(/^spec\.egress\.to: /);
  });

  test('GIVEN other DNS parameters THEN the DNS shape follows them', () => {
    const custom = PolicyEvaluator.forPack({
      parameters: { clusterDnsNamespace: 'dns', clusterDnsPodLabels: { app: 'coredns' } },
    });
    const dns = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } },
      podSelector: { matchLabels: { app: 'coredns' } },
    };
    expect(custom.evaluate(egressTo(dns, DNS_PORTS)).admitted).toBe(true);
    expect(custom.evaluate(egressTo(DNS, DNS_PORTS)).admitted).toBe(false);
    expect(custom.evaluate(egressTo(DNS, DNS_PORTS)).violations[0].message).toContain(
      'kubernetes.io/metadata.name=dns and podSelector app=coredns',
    );
  });
});

describe('SBX-R13: ingress sources', () => {
  const ingress = (rules: KubeObject[]) => policy({ policyTypes: ['Ingress'], ingress: rules });

  test.each<[string, KubeObject]>([
    ['no ingress rule (deny)', ingress([])],
    ['pods of the namespace', ingress([{ from: [{ podSelector: {} }] }])],
    [
      'labelled pods of the namespace on a port',
      ingress([{ from: [{ podSelector: { matchLabels: { app: 'x' } } }], ports: [{ port: 80 }] }]),
    ],
  ])('GIVEN %s THEN it is admitted', (_what, object) => {
    expect(evaluator.evaluate(object)).toEqual({ admitted: true, violations: [] });
  });

  test.each<[string, KubeObject]>([
    ['a rule without from', ingress([{}])],
    ['a rule with an empty from', ingress([{ from: [] }])],
    ['an ipBlock source', ingress([{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }])],
    ['every namespace', ingress([{ from: [{ namespaceSelector: {} }] }])],
    [
      'pods of another namespace',
      ingress([
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'sbx-2' } },
              podSelector: {},
            },
          ],
        },
      ]),
    ],
    [
      'a good source next to a bad one',
      ingress([{ from: [{ podSelector: {} }, { namespaceSelector: {} }] }]),
    ],
  ])('GIVEN %s THEN SBX-R13 alone refuses it', (_what, object) => {
    const verdict = evaluator.evaluate(object);
    expect(verdict.admitted).toBe(false);
    expect(rulesOf(verdict)).toEqual([R13]);
    expect(verdict.violations[0].message).toMatch(/^spec\.ingress(\.from)?: /);
  });
});

describe('SBX-R13: no identity is exempt', () => {
  test.each(Object.keys(IDENTITIES) as (keyof typeof IDENTITIES)[])(
    'GIVEN egress to every namespace sent by %s THEN it is refused',
    (who) => {
      const verdict = evaluator.evaluate(egressTo({ namespaceSelector: {} }), {
        userInfo: IDENTITIES[who],
      });
      // Other rules (SBX-B2) may refuse some identities as well; SBX-R13 refuses every one.
      expect(rulesOf(verdict)).toContain(R13);
    },
  );

  test('GIVEN an UPDATE that opens a sandbox THEN it is refused too', () => {
    const verdict = evaluator.evaluate(egressTo({ namespaceSelector: {} }), {
      operation: 'UPDATE',
      oldObject: egressTo(DNS, DNS_PORTS),
    });
    expect(rulesOf(verdict)).toEqual([R13]);
  });
});

describe('what the constructs emit', () => {
  test.each([
    ['::ffff:169.254.169.254/128', "write it as an IPv4 range ('169.254.169.254/32')"],
    ['::ffff:0:0/96', "write it as an IPv4 range ('0.0.0.0/0')"],
  ])(
    'GIVEN EgressPolicy to the IPv4-mapped %s THEN it refuses, naming the IPv4 range',
    (cidr, fix) => {
      expectValidationError(
        () => new EgressPolicy(newChart(), 'P', { namespace: 'sbx-1', cidr, ports: [443] }),
        `cidr '${cidr}' is an IPv4-mapped IPv6 range, which Kubernetes CEL refuses and network plugins read differently; ${fix}`,
      );
    },
  );

  test('GIVEN EgressPolicy to an IPv6 range written with a dotted tail THEN it emits the canonical form, which SBX-R10 admits', () => {
    const chart = newChart();
    const p = new EgressPolicy(chart, 'P', {
      namespace: 'sbx-1',
      cidr: '64:ff9b::10.0.0.0/120',
      ports: [443],
    });
    expect(p.cidr).toBe('64:ff9b::a00:0/120');
    const [o] = synth(chart);
    expect(evaluator.evaluate(o)).toEqual({ admitted: true, violations: [] });
  });

  test('GIVEN a SandboxNamespace with egress THEN its NetworkPolicies pass SBX-R10 and SBX-R13', () => {
    const chart = newChart();
    new SandboxNamespace(chart, 'Sbx', {
      name: 'sbx-net-1',
      allowClusterDns: true,
      egress: [
        { cidr: '10.0.0.0/8', ports: [443] },
        { cidr: 'fd00::/8', ports: [443] },
      ],
    });
    const policies = synth(chart).filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.map((o) => o.metadata.name).sort()).toEqual([
      'allow-cluster-dns',
      'allow-egress-1',
      'allow-egress-2',
      'default-deny-all',
    ]);
    for (const o of policies)
      expect({ name: o.metadata.name, ...evaluator.evaluate(o) }).toEqual({
        name: o.metadata.name,
        admitted: true,
        violations: [],
      });
  });
});

describe('SBX-R19: only the egress gateway reaches the internet', () => {
  const R19 = 'SBX-R19-internet-egress-gateway-only';
  const forEveryPod = (cidr: string) => ({
    ...ipBlock(cidr),
    spec: { ...ipBlock(cidr).spec, podSelector: {} },
  });

  test.each<[string, string]>([
    ['a private range', '10.20.0.0/16'],
    ['CGNAT', '100.64.0.0/10'],
    ['unique-local IPv6', 'fd12:3456::/32'],
    ['the NAT64 form of a private range', '64:ff9b::a00:0/104'],
  ])('GIVEN %s for every pod THEN SBX-R19 admits it', (_what, cidr) => {
    expect(rulesOf(evaluator.evaluate(forEveryPod(cidr)))).toEqual([]);
  });

  test.each<[string, string]>([
    ['a public host', '93.184.215.14/32'],
    ['a documentation range (routed nowhere, but not ours to call private)', '203.0.113.0/24'],
    ['a range spanning private and public', '8.0.0.0/6'],
    ['a public IPv6 range', '2600::/12'],
    ['6to4, which embeds any IPv4 address', '2002::/16'],
    ['local-use NAT64', '64:ff9b:1::/48'],
    ['the NAT64 form of the internet', '64:ff9b::/96'],
  ])('GIVEN %s for every pod THEN SBX-R19 alone refuses it', (_what, cidr) => {
    const v = evaluator.evaluate(forEveryPod(cidr));
    expect(rulesOf(v)).toEqual([R19]);
    expect(v.violations[0].message).toMatch(/^spec\.egress: only the platform's egress gateway/);
  });

  test('GIVEN the gateway policy sent by another identity THEN SBX-R19 refuses it (and B2, which keeps policies to the platform)', () => {
    const v = evaluator.evaluate(ipBlock('0.0.0.0/0', ['169.254.0.0/16']), {
      userInfo: IDENTITIES.attacker,
    });
    expect(rulesOf(v)).toContain(R19);
  });

  test('GIVEN the gateway policy by the platform on UPDATE THEN it is admitted; with the selector widened THEN refused', () => {
    const gateway = ipBlock('0.0.0.0/0', ['169.254.0.0/16']);
    expect(
      evaluator.evaluate(gateway, { operation: 'UPDATE', oldObject: forEveryPod('10.0.0.0/8') })
        .admitted,
    ).toBe(true);
    const widened = structuredClone(gateway);
    widened.spec.podSelector.matchLabels.app = 'agent';
    expect(
      rulesOf(evaluator.evaluate(widened, { operation: 'UPDATE', oldObject: gateway })),
    ).toEqual([R19]);
  });

  test('GIVEN EgressPolicy to a public range THEN it throws, naming the rule and the fix', () => {
    for (const cidr of ['0.0.0.0/0', '::/0', '93.184.215.14/32', '2001:db8::/32'])
      expectValidationError(
        () => new EgressPolicy(newChart(), 'P', { namespace: 'sbx-1', cidr, ports: [443] }),
        `cidr '${cidr}' reaches the internet, which only a sandbox's egress gateway may (admission rule SBX-R19): list the names in egressDomains instead`,
      );
  });
});

describe('SBX-R19: the gateway label on pods', () => {
  const R19 = 'SBX-R19-internet-egress-gateway-only';
  const pod = (labels: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'agent', labels },
    spec: {},
  });
  const r19 = (v: Verdict) => v.violations.filter((x) => x.rule === R19).length > 0;
  const GW = { [EGRESS_GATEWAY_LABEL]: 'true' };

  test('GIVEN another identity adds, changes or removes the label (main resource or status) THEN SBX-R19 refuses; the platform may', () => {
    const cases: [Record<string, string>, Record<string, string>][] = [
      [{ app: 'agent' }, { app: 'agent', ...GW }],
      [GW, { [EGRESS_GATEWAY_LABEL]: 'false' }],
      [GW, {}],
    ];
    for (const [before, after] of cases)
      for (const subresource of [undefined, 'status']) {
        const options = { operation: 'UPDATE' as const, oldObject: pod(before), subresource };
        expect(
          r19(evaluator.evaluate(pod(after), { ...options, userInfo: IDENTITIES.attacker })),
        ).toBe(true);
        expect(r19(evaluator.evaluate(pod(after), options))).toBe(false);
      }
  });

  test('GIVEN another identity updates a plain pod, or the status of the gateway pod keeping the label THEN SBX-R19 admits it', () => {
    const as = { operation: 'UPDATE' as const, userInfo: IDENTITIES.controller };
    expect(r19(evaluator.evaluate(pod({ a: '1' }), { ...as, oldObject: pod({}) }))).toBe(false);
    expect(
      r19(evaluator.evaluate(pod(GW), { ...as, oldObject: pod(GW), subresource: 'status' })),
    ).toBe(false);
    expect(r19(evaluator.evaluate(pod(GW), { ...as, oldObject: pod(GW) }))).toBe(true);
  });
});
