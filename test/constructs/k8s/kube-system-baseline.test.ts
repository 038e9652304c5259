import * as ipaddr from 'ipaddr.js';
import {
  KubeSystemBaseline,
  KubeSystemBaselineProps,
} from '../../../constructs/k8s/kube-system-baseline';
import { PlatformChart } from '../../../charts/platform-chart';
import { PolicyEvaluator } from '../../../policies/k8s/evaluate';
import { Testing } from 'cdk8s';
import {
  expectSchemaValid,
  expectValidationError,
  K8sObject,
  newChart,
  only,
  synth,
} from '../../support/k8s';

function build(props?: KubeSystemBaselineProps) {
  const chart = newChart();
  const baseline = new KubeSystemBaseline(chart, 'KubeSystem', props);
  const objects = synth(chart);
  const policy = (name: string) => only(objects, 'NetworkPolicy', name);
  return { baseline, objects, policy };
}

const PRIVATE = [
  { ipBlock: { cidr: '10.0.0.0/8' } },
  { ipBlock: { cidr: '172.16.0.0/12' } },
  { ipBlock: { cidr: '192.168.0.0/16' } },
];
const DNS_PORTS = [
  { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 53 },
];
const API_443 = { to: PRIVATE, ports: [{ protocol: 'TCP', port: 443 }] };
const LABELS = {
  'app.kubernetes.io/managed-by': 'eval-sandbox',
  'app.kubernetes.io/component': 'kube-system-baseline',
};

describe('KubeSystemBaseline', () => {
  describe('GIVEN no props', () => {
    const { baseline, objects, policy } = build();

    test('THEN it emits exactly four NetworkPolicies, all in kube-system', () => {
      expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
        'NetworkPolicy/kube-system/eval-sandbox-kube-system-default-deny',
        'NetworkPolicy/kube-system/eval-sandbox-coredns',
        'NetworkPolicy/kube-system/eval-sandbox-ebs-csi-controller',
        'NetworkPolicy/kube-system/eval-sandbox-ebs-csi-node',
      ]);
      for (const o of objects) expect(o.metadata.labels).toEqual(LABELS);
    });

    test('THEN every pod of kube-system is denied all ingress and egress by default', () => {
      expect(policy('eval-sandbox-kube-system-default-deny').spec).toEqual({
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
      });
    });

    test('THEN CoreDNS takes DNS from every namespace and reaches only the API server and the resolvers', () => {
      expect(policy('eval-sandbox-coredns').spec).toEqual({
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ namespaceSelector: {} }], ports: DNS_PORTS }],
        egress: [
          API_443,
          {
            to: [{ ipBlock: { cidr: '169.254.169.253/32' } }, ...PRIVATE],
            ports: DNS_PORTS,
          },
        ],
      });
    });

    test('THEN the EBS CSI controller takes nothing and reaches the API server, cluster DNS, AWS APIs and the Pod Identity agent', () => {
      expect(policy('eval-sandbox-ebs-csi-controller').spec).toEqual({
        podSelector: { matchLabels: { app: 'ebs-csi-controller' } },
        policyTypes: ['Ingress', 'Egress'],
        egress: [
          API_443,
          { to: [{ podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: DNS_PORTS },
          { to: PRIVATE, ports: [{ protocol: 'TCP', port: 443 }] },
          {
            to: [
              { ipBlock: { cidr: '169.254.170.23/32' } },
              { ipBlock: { cidr: 'fd00:ec2::23/128' } },
            ],
            ports: [{ protocol: 'TCP', port: 80 }],
          },
        ],
      });
    });

    test('THEN the EBS CSI node plugin takes nothing and reaches only the API server', () => {
      expect(policy('eval-sandbox-ebs-csi-node').spec).toEqual({
        podSelector: { matchLabels: { app: 'ebs-csi-node' } },
        policyTypes: ['Ingress', 'Egress'],
        egress: [API_443],
      });
    });

    test('THEN each default is resolved into its field', () => {
      expect(baseline.namespace).toBe('kube-system');
      expect(baseline.apiServerCidrs).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
      expect(baseline.apiServerPorts).toEqual([443]);
      expect(baseline.dnsResolverCidrs).toEqual([
        '169.254.169.253/32',
        '10.0.0.0/8',
        '172.16.0.0/12',
        '192.168.0.0/16',
      ]);
      expect(baseline.awsApiCidrs).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
    });

    test('THEN every object is valid against the Kubernetes schema', () => {
      expectSchemaValid(objects);
    });

    test('THEN the objects pass the sandbox policy pack (they are not in a sandbox namespace)', () => {
      const evaluator = PolicyEvaluator.forPack();
      for (const o of objects) {
        const id = `${o.kind}/${o.metadata.name}`;
        expect({ id, ...evaluator.evaluate(o) }).toEqual({ id, admitted: true, violations: [] });
      }
    });

    test('THEN the snapshot is unchanged', () => {
      expect(objects).toMatchSnapshot();
    });
  });

  test('GIVEN a namespace THEN every policy is in it', () => {
    const { objects } = build({ namespace: 'addons' });
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(['addons']));
  });

  test('GIVEN the VPC and Service CIDRs THEN only they are opened, with the endpoint port too', () => {
    const { policy } = build({
      apiServerCidrs: ['172.20.0.0/16', '10.40.0.0/16'],
      apiServerPorts: [443, 6443],
      dnsResolverCidrs: ['169.254.169.253/32', '10.40.0.2/32'],
      awsApiCidrs: ['10.40.0.0/16'],
    });
    const api = {
      to: [{ ipBlock: { cidr: '172.20.0.0/16' } }, { ipBlock: { cidr: '10.40.0.0/16' } }],
      ports: [
        { protocol: 'TCP', port: 443 },
        { protocol: 'TCP', port: 6443 },
      ],
    };
    expect(policy('eval-sandbox-coredns').spec.egress).toEqual([
      api,
      {
        to: [{ ipBlock: { cidr: '169.254.169.253/32' } }, { ipBlock: { cidr: '10.40.0.2/32' } }],
        ports: DNS_PORTS,
      },
    ]);
    expect(policy('eval-sandbox-ebs-csi-controller').spec.egress[2]).toEqual({
      to: [{ ipBlock: { cidr: '10.40.0.0/16' } }],
      ports: [{ protocol: 'TCP', port: 443 }],
    });
    expect(policy('eval-sandbox-ebs-csi-node').spec.egress).toEqual([api]);
  });

  test('GIVEN public AWS APIs (0.0.0.0/0) THEN the link-local range (metadata included) is excepted', () => {
    const { policy } = build({ awsApiCidrs: ['0.0.0.0/0', '::/0'] });
    expect(policy('eval-sandbox-ebs-csi-controller').spec.egress[2].to).toEqual([
      { ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.0.0/16'] } },
      { ipBlock: { cidr: '::/0', except: ['fd00:ec2::254/128', 'fd00:ec2::23/128', 'fe80::/10'] } },
    ]);
  });

  test.each<[string, KubeSystemBaselineProps, string]>([
    [
      'a namespace that is not a DNS label',
      { namespace: 'Kube_System' },
      "namespace 'Kube_System' is not a valid name; use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
    ],
    ['no API server CIDR', { apiServerCidrs: [] }, 'apiServerCidrs needs at least one CIDR'],
    [
      'an API server CIDR that is not one',
      { apiServerCidrs: ['10.40.0.0'] },
      "apiServerCidrs[0] '10.40.0.0' is not a CIDR; use 'a.b.c.d/n' or an IPv6 'prefix/n'",
    ],
    [
      'an API server CIDR with host bits',
      { apiServerCidrs: ['10.40.0.1/16'] },
      "apiServerCidrs[0] '10.40.0.1/16' has host bits set; use the network address '10.40.0.0/16'",
    ],
    [
      'the instance metadata service as the API server',
      { apiServerCidrs: ['172.20.0.0/16', '169.254.169.254/32'] },
      "apiServerCidrs[1] '169.254.169.254/32' lies inside the link-local or instance-metadata range '169.254.169.254/32', which sandboxes may never reach; remove it from the allowlist",
    ],
    [
      'no API server port',
      { apiServerPorts: [] },
      'apiServerPorts needs at least one port (443 on EKS)',
    ],
    [
      'an API server port out of range',
      { apiServerPorts: [443, 70000] },
      'apiServerPorts[1] must be a whole number from 1 to 65535; got 70000',
    ],
    [
      'the instance metadata service as a resolver',
      { dnsResolverCidrs: ['169.254.169.254/32'] },
      "dnsResolverCidrs[0] '169.254.169.254/32' is an instance-metadata or credential address, which kube-system pods may not reach through this baseline; remove it",
    ],
    [
      'the IPv6 instance metadata service as a resolver',
      { dnsResolverCidrs: ['fd00:ec2::254/128'] },
      "dnsResolverCidrs[0] 'fd00:ec2::254/128' lies inside the link-local or instance-metadata range 'fd00:ec2::254/128', which sandboxes may never reach; remove it from the allowlist",
    ],
    [
      'a link-local range (not one address) as a resolver',
      { dnsResolverCidrs: ['169.254.169.0/24'] },
      "dnsResolverCidrs[0] '169.254.169.0/24' lies inside the link-local or instance-metadata range '169.254.0.0/16', which sandboxes may never reach; remove it from the allowlist",
    ],
    ['no AWS API CIDR', { awsApiCidrs: [] }, 'awsApiCidrs needs at least one CIDR'],
    [
      'the Pod Identity agent as an AWS API range',
      { awsApiCidrs: ['169.254.170.23/32'] },
      "awsApiCidrs[0] '169.254.170.23/32' lies inside the link-local or instance-metadata range '169.254.170.23/32', which sandboxes may never reach; remove it from the allowlist",
    ],
  ])('GIVEN %s THEN it fails with what to fix', (_, props, message) => {
    const err = expectValidationError(() => build(props), message);
    expect(err.message).toBe(`test/KubeSystem: ${message}`);
  });

  describe('the instance metadata service is never reachable', () => {
    const IMDS = ['169.254.169.254', 'fd00:ec2::254'].map((a) => ipaddr.parse(a));
    /** Whether an ipBlock admits `address`. */
    const admits = (
      block: { cidr: string; except?: string[] },
      address: ipaddr.IPv4 | ipaddr.IPv6,
    ) => {
      const inside = (cidr: string) => {
        const [net, bits] = ipaddr.parseCIDR(cidr);
        return net.kind() === address.kind() && address.match([net, bits] as never);
      };
      return inside(block.cidr) && !(block.except ?? []).some(inside);
    };
    const blocks = (objects: K8sObject[]) =>
      objects.flatMap((o) =>
        [...(o.spec.egress ?? []), ...(o.spec.ingress ?? [])].flatMap(
          (rule: K8sObject) => [...(rule.to ?? []), ...(rule.from ?? [])] as K8sObject[],
        ),
      );

    test.each<[string, KubeSystemBaselineProps]>([
      ['the defaults', {}],
      [
        'everything opened as wide as the props allow',
        {
          apiServerCidrs: ['0.0.0.0/0', '::/0'],
          dnsResolverCidrs: ['0.0.0.0/0', '::/0', '169.254.169.253/32'],
          awsApiCidrs: ['0.0.0.0/0', '::/0'],
        },
      ],
    ])(
      'GIVEN %s THEN no ipBlock of any policy admits 169.254.169.254 or fd00:ec2::254',
      (_, props) => {
        const found = blocks(build(props).objects).filter((p) => p.ipBlock);
        expect(found.length).toBeGreaterThan(0);
        for (const p of found)
          for (const imds of IMDS)
            expect([p.ipBlock, admits(p.ipBlock, imds)]).toEqual([p.ipBlock, false]);
      },
    );

    test('GIVEN the check itself THEN it tells an admitting block from an excepting one', () => {
      expect(admits({ cidr: '169.254.0.0/16' }, IMDS[0])).toBe(true);
      expect(admits({ cidr: '0.0.0.0/0', except: ['169.254.0.0/16'] }, IMDS[0])).toBe(false);
      expect(admits({ cidr: '::/0' }, IMDS[1])).toBe(true);
    });
  });

  describe('vpcResolverCidr', () => {
    test.each([
      ['10.40.0.0/16', '10.40.0.2/32'],
      ['192.168.16.0/20', '192.168.16.2/32'],
      ['172.31.255.0/24', '172.31.255.2/32'],
      ['10.40.0.7/16', '10.40.0.2/32'],
    ])('GIVEN %s THEN %s', (vpc, resolver) => {
      expect(KubeSystemBaseline.vpcResolverCidr(vpc)).toBe(resolver);
    });

    test.each(['10.40.0.0', '2001:db8::/56', '10.40.0.0/30'])('GIVEN %s THEN it fails', (vpc) => {
      expectValidationError(
        () => KubeSystemBaseline.vpcResolverCidr(vpc),
        `KubeSystemBaseline.vpcResolverCidr: vpcCidr '${vpc}' is not an IPv4 CIDR of /28 or larger; use the VPC's primary CIDR, e.g. '10.40.0.0/16'`,
      );
    });
  });

  describe('in the platform chart', () => {
    test('GIVEN no props THEN the chart holds the baseline with its defaults', () => {
      const chart = new PlatformChart(Testing.app(), 'platform');
      expect(chart.kubeSystem.apiServerCidrs).toEqual([
        '10.0.0.0/8',
        '172.16.0.0/12',
        '192.168.0.0/16',
      ]);
      const names = Testing.synth(chart)
        .filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'kube-system')
        .map((o) => o.metadata.name);
      expect(names).toEqual([
        'eval-sandbox-kube-system-default-deny',
        'eval-sandbox-coredns',
        'eval-sandbox-ebs-csi-controller',
        'eval-sandbox-ebs-csi-node',
      ]);
    });

    test('GIVEN kubeSystem props THEN they reach the baseline', () => {
      const chart = new PlatformChart(Testing.app(), 'platform', {
        kubeSystem: { apiServerCidrs: ['172.20.0.0/16'], apiServerPorts: [443] },
      });
      const coreDns = Testing.synth(chart).find((o) => o.metadata.name === 'eval-sandbox-coredns');
      expect(coreDns?.spec.egress[0].to).toEqual([{ ipBlock: { cidr: '172.20.0.0/16' } }]);
    });
  });
});

describe('KubeSystemBaseline with karpenter', () => {
  test('GIVEN karpenter THEN its controller may reach the API server, cluster DNS, AWS APIs on 443 (never metadata) and the Pod Identity agent; without it there is no such policy', () => {
    const chart = newChart();
    new KubeSystemBaseline(chart, 'Baseline', { karpenter: true });
    const policies = synth(chart).filter((o) => o.kind === 'NetworkPolicy');
    const karpenter = policies.find((p) => p.metadata.name === 'eval-sandbox-karpenter');
    expect(karpenter?.spec.podSelector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'karpenter' },
    });
    expect(karpenter?.spec.ingress ?? []).toEqual([]);
    const aws = karpenter?.spec.egress[2];
    expect(aws.ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(aws.to[0].ipBlock.cidr).toBe('0.0.0.0/0');
    expect(aws.to[0].ipBlock.except).toEqual(expect.arrayContaining(['169.254.0.0/16']));
    expect(karpenter?.spec.egress[3]).toEqual({
      to: [{ ipBlock: { cidr: '169.254.170.23/32' } }, { ipBlock: { cidr: 'fd00:ec2::23/128' } }],
      ports: [{ protocol: 'TCP', port: 80 }],
    });
    const without = newChart();
    new KubeSystemBaseline(without, 'Baseline');
    expect(synth(without).map((o) => o.metadata.name)).not.toContain('eval-sandbox-karpenter');
  });
});
