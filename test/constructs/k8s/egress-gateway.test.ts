import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  DEFAULT_SERVICE_CIDR,
  deriveEgressGatewayAddress,
  EgressGateway,
  EgressGatewayProps,
  staticServiceBand,
} from '../../../constructs/k8s/egress-gateway';
import { EvaluationSandbox } from '../../../constructs/k8s/evaluation-sandbox';
import { EGRESS_GATEWAY_DENIED_DESTINATIONS } from '../../../constructs/shared/egress-gateway-config';
import {
  EGRESS_GATEWAY_IMAGE,
  EGRESS_GATEWAY_IMAGE_REPOSITORY,
} from '../../../constructs/shared/egress-gateway-image';
import { PolicyEvaluator } from '../../../policies/k8s/evaluate';
import { IDENTITIES } from '../../../policies/k8s/fixtures/cases';
import {
  expectSchemaValid,
  expectValidationError,
  K8sObject,
  newChart,
  only,
  synth,
} from '../../support/k8s';

const IMAGE = `registry.example.com/egress-gateway@sha256:${'c'.repeat(64)}`;
const TASK_IMAGE = `registry.example.com/tasks/swe@sha256:${'d'.repeat(64)}`;
const LABELS = { 'eval-sandbox.io/evaluation-id': 'run-7' };

function build(props: Partial<EgressGatewayProps> = {}) {
  const chart = newChart();
  const gateway = new EgressGateway(chart, 'Gateway', {
    namespace: 'sbx-run-7',
    image: IMAGE,
    domains: ['pypi.org', '*.githubusercontent.com'],
    sandboxLabels: LABELS,
    ...props,
  });
  return { chart, gateway, objects: () => synth(chart) };
}

describe('EgressGateway', () => {
  describe('defaults', () => {
    const { gateway, objects } = build();
    const all = objects();
    const pod = only(all, 'Pod');
    const [container] = pod.spec.containers;

    test('GIVEN minimal props THEN the resolved defaults are pinned', () => {
      expect(gateway.ports).toEqual([443]);
      expect(gateway.port).toBe(3128);
      expect(gateway.serviceCidr).toBe('172.20.0.0/16');
      expect(DEFAULT_SERVICE_CIDR).toBe('172.20.0.0/16');
      expect(gateway.cpu.amount).toBe('100m');
      expect(gateway.memory.toMebibytes()).toBe(256);
      expect(gateway.ephemeralStorage.toMebibytes()).toBe(256);
      expect(gateway.activeDeadlineSeconds).toBe(86400);
      expect(gateway.user).toBe(65532);
      expect(gateway.clientPodLabels).toEqual({ 'app.kubernetes.io/component': 'evaluation' });
      expect(gateway.address).toBe(deriveEgressGatewayAddress('172.20.0.0/16', 'sbx-run-7'));
      expect(gateway.proxyUrl).toBe(`http://${gateway.address}:3128`);
      expect(gateway.image).toBe(IMAGE);
    });

    test("GIVEN no image THEN the project's reproducible gateway image, by digest", () => {
      const dflt = build({ image: undefined });
      expect(dflt.gateway.image).toBe(EGRESS_GATEWAY_IMAGE);
      expect(EGRESS_GATEWAY_IMAGE).toMatch(
        new RegExp(`^${EGRESS_GATEWAY_IMAGE_REPOSITORY}@sha256:[0-9a-f]{64}$`),
      );
      expect(only(dflt.objects(), 'Pod').spec.containers[0].image).toBe(EGRESS_GATEWAY_IMAGE);
    });

    test('the pod carries karpenter.sh/do-not-disrupt (the run depends on it)', () => {
      expect(pod.metadata.annotations).toEqual({ 'karpenter.sh/do-not-disrupt': 'true' });
    });

    test('the objects: ConfigMap, Pod, Service and three NetworkPolicies, all schema-valid', () => {
      expect(all.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
        'ConfigMap/egress-gateway-config',
        // The Service before the Pod and the clients' policy (apply order follows dependencies).
        'Service/egress-gateway',
        'Pod/egress-gateway',
        'NetworkPolicy/allow-egress-to-gateway',
        'NetworkPolicy/egress-gateway-ingress',
        'NetworkPolicy/egress-gateway',
      ]);
      for (const o of all) expect(o.metadata.namespace).toBe('sbx-run-7');
      expectSchemaValid(all);
    });

    test('the ConfigMap holds renderSquidConfig output with the sandbox labels', () => {
      const cm = only(all, 'ConfigMap');
      expect(cm.data['squid.conf']).toBe(gateway.squidConfig);
      expect(cm.data['squid.conf']).toContain('acl allowed_names dstdomain -n pypi.org');
      expect(cm.data['squid.conf']).toContain('eval-sandbox.io/evaluation-id=run-7');
      expect(cm.metadata.labels).toMatchObject({
        ...LABELS,
        'eval-sandbox.io/egress-gateway': 'true',
      });
    });

    test('the Pod: gVisor, sandbox priority, no token, no service links, a deadline, non-root 65532 with RuntimeDefault seccomp', () => {
      expect(pod.metadata.labels).toEqual({
        ...LABELS,
        'app.kubernetes.io/managed-by': 'eval-sandbox',
        'app.kubernetes.io/component': 'egress-gateway',
        'eval-sandbox.io/egress-gateway': 'true',
      });
      expect(pod.spec).toMatchObject({
        runtimeClassName: 'gvisor',
        priorityClassName: 'eval-sandbox-sandbox',
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        hostNetwork: false,
        restartPolicy: 'Always',
        activeDeadlineSeconds: 86400,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 65532,
          runAsGroup: 65532,
          fsGroup: 65532,
          seccompProfile: { type: 'RuntimeDefault' },
        },
      });
    });

    test('the container: squid in the foreground on the ConfigMap, read-only root, all capabilities dropped, requests = limits', () => {
      expect(container.image).toBe(IMAGE);
      expect(container.command).toEqual([
        '/usr/sbin/squid',
        '-N',
        '-f',
        '/etc/eval-sandbox/squid.conf',
      ]);
      expect(container.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        privileged: false,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const r = { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '256Mi' };
      expect(container.resources).toEqual({ requests: r, limits: r });
      expect(container.ports).toEqual([{ name: 'proxy', containerPort: 3128, protocol: 'TCP' }]);
      expect(container.volumeMounts).toEqual([
        { name: 'config', mountPath: '/etc/eval-sandbox', readOnly: true },
        { name: 'run', mountPath: '/var/run/squid' },
      ]);
      expect(pod.spec.volumes).toEqual([
        { name: 'config', configMap: { name: 'egress-gateway-config' } },
        { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
      ]);
    });

    test('the Service: ClusterIP fixed to the address, selector = the gateway label, port = target port', () => {
      expect(only(all, 'Service').spec).toEqual({
        type: 'ClusterIP',
        clusterIP: gateway.address,
        selector: { 'eval-sandbox.io/egress-gateway': 'true' },
        ports: [{ name: 'proxy', port: 3128, targetPort: 3128, protocol: 'TCP' }],
      });
    });

    test('the clients may reach the gateway pods and its ClusterIP on 3128 only', () => {
      expect(only(all, 'NetworkPolicy', 'allow-egress-to-gateway').spec).toEqual({
        podSelector: { matchLabels: { 'app.kubernetes.io/component': 'evaluation' } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              { podSelector: { matchLabels: { 'eval-sandbox.io/egress-gateway': 'true' } } },
              { ipBlock: { cidr: `${gateway.address}/32` } },
            ],
            ports: [{ protocol: 'TCP', port: 3128 }],
          },
        ],
      });
    });

    test('the gateway admits its clients only, on 3128 only', () => {
      expect(only(all, 'NetworkPolicy', 'egress-gateway-ingress').spec).toEqual({
        podSelector: { matchLabels: { 'eval-sandbox.io/egress-gateway': 'true' } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              { podSelector: { matchLabels: { 'app.kubernetes.io/component': 'evaluation' } } },
            ],
            ports: [{ protocol: 'TCP', port: 3128 }],
          },
        ],
      });
    });

    test('the gateway reaches the cluster DNS on 53 and the internet on 443 minus every internal range', () => {
      const v4 = EGRESS_GATEWAY_DENIED_DESTINATIONS.filter((c) => !c.includes(':'));
      const v6 = EGRESS_GATEWAY_DENIED_DESTINATIONS.filter((c) => c.includes(':'));
      expect(v4).toContain('169.254.0.0/16');
      expect(v6).toContain('fc00::/7');
      expect(only(all, 'NetworkPolicy', 'egress-gateway').spec).toEqual({
        podSelector: { matchLabels: { 'eval-sandbox.io/egress-gateway': 'true' } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: {
                  matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
                },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
          {
            to: [
              { ipBlock: { cidr: '0.0.0.0/0', except: v4 } },
              { ipBlock: { cidr: '::/0', except: v6 } },
            ],
            ports: [{ protocol: 'TCP', port: 443 }],
          },
        ],
      });
    });

    test('every object passes the admission pack as the platform; the Pod, the ConfigMap and the internet policy are refused to anyone else', () => {
      const evaluator = PolicyEvaluator.forPack();
      for (const o of all)
        expect({ o: `${o.kind}/${o.metadata.name}`, ...evaluator.evaluate(o) }).toEqual({
          o: `${o.kind}/${o.metadata.name}`,
          admitted: true,
          violations: [],
        });
      const r19 = (o: K8sObject) =>
        evaluator
          .evaluate(o, { userInfo: IDENTITIES.attacker })
          .violations.some((v) => v.rule === 'SBX-R19-internet-egress-gateway-only');
      expect(r19(only(all, 'Pod'))).toBe(true);
      expect(r19(only(all, 'ConfigMap'))).toBe(true);
      expect(r19(only(all, 'NetworkPolicy', 'egress-gateway'))).toBe(true);
      expect(r19(only(all, 'NetworkPolicy', 'allow-egress-to-gateway'))).toBe(false);
    });

    test('snapshot', () => expect(all).toMatchSnapshot());
  });

  test('GIVEN ports [443, 80, 8443] THEN the gateway policy opens them and squid.conf allows them', () => {
    const { gateway, objects } = build({ ports: [443, 80, 8443] });
    const np = only(objects(), 'NetworkPolicy', 'egress-gateway');
    expect(np.spec.egress[1].ports.map((p: K8sObject) => p.port)).toEqual([443, 80, 8443]);
    expect(gateway.squidConfig).toContain('acl connect_ports port 443 8443');
    expect(gateway.squidConfig).toContain('acl plain_http_port port 80');
  });

  test('GIVEN resources, deadline, user, client labels, DNS THEN they are used', () => {
    const { objects } = build({
      cpu: Cpu.millis(250),
      memory: Size.mebibytes(512),
      ephemeralStorage: Size.mebibytes(128),
      activeDeadlineSeconds: 4200,
      user: 13,
      clientPodLabels: { app: 'agent' },
      clusterDnsNamespace: 'dns',
      clusterDnsPodLabels: { app: 'coredns' },
    });
    const all = objects();
    const pod = only(all, 'Pod');
    expect(pod.spec.containers[0].resources.limits).toEqual({
      cpu: '250m',
      memory: '512Mi',
      'ephemeral-storage': '128Mi',
    });
    expect(pod.spec.activeDeadlineSeconds).toBe(4200);
    expect(pod.spec.securityContext.runAsUser).toBe(13);
    expect(only(all, 'NetworkPolicy', 'allow-egress-to-gateway').spec.podSelector).toEqual({
      matchLabels: { app: 'agent' },
    });
    expect(only(all, 'NetworkPolicy', 'egress-gateway').spec.egress[0].to[0]).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } },
      podSelector: { matchLabels: { app: 'coredns' } },
    });
  });

  describe('the ClusterIP', () => {
    test('the static band is min(max(16, size/16), 256) (KEP-3070)', () => {
      expect(staticServiceBand('172.20.0.0/16')).toBe(256);
      expect(staticServiceBand('10.96.0.0/20')).toBe(256);
      expect(staticServiceBand('10.96.0.0/22')).toBe(64);
      expect(staticServiceBand('10.96.0.0/24')).toBe(16);
    });

    test('derived: deterministic, inside the CIDR, above the static band, not the last address, spread by name', () => {
      const seen = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const a = deriveEgressGatewayAddress('172.20.0.0/16', `sbx-run-${i}`);
        expect(deriveEgressGatewayAddress('172.20.0.0/16', `sbx-run-${i}`)).toBe(a);
        const [, , c, d] = a.split('.').map(Number);
        expect(a.startsWith('172.20.')).toBe(true);
        expect(c * 256 + d).toBeGreaterThanOrEqual(256);
        expect(a).not.toBe('172.20.255.255');
        seen.add(a);
      }
      expect(seen.size).toBeGreaterThan(190);
      const small = deriveEgressGatewayAddress('10.96.0.0/24', 'sbx-a').split('.').map(Number);
      expect(small[3]).toBeGreaterThanOrEqual(16);
      expect(small[3]).toBeLessThan(255);
    });

    test('GIVEN an explicit address THEN it is used', () => {
      const { gateway, objects } = build({ address: '172.20.40.7' });
      expect(gateway.address).toBe('172.20.40.7');
      expect(only(objects(), 'Service').spec.clusterIP).toBe('172.20.40.7');
    });

    test('GIVEN another service CIDR THEN the address is derived in it', () => {
      const { gateway } = build({ serviceCidr: '10.96.0.0/16' });
      expect(gateway.address.startsWith('10.96.')).toBe(true);
    });

    test('GIVEN two gateways with the same address in one app THEN the second throws', () => {
      const chart = newChart();
      const props = { image: IMAGE, domains: ['pypi.org'], sandboxLabels: LABELS };
      new EgressGateway(chart, 'A', { ...props, namespace: 'sbx-a', address: '172.20.9.9' });
      expectValidationError(
        () =>
          new EgressGateway(chart, 'B', { ...props, namespace: 'sbx-b', address: '172.20.9.9' }),
        "address '172.20.9.9' is already the egress gateway of test/A; set address to a free one in '172.20.0.0/16'",
      );
    });
  });

  test.each<[string, Partial<EgressGatewayProps>, RegExp | string]>([
    ['a tag-pinned image', { image: 'squid:5.7' }, "image 'squid:5.7' must be pinned by digest"],
    ['no domains', { domains: [] }, /domains is empty/],
    [
      'a URL as a domain',
      { domains: ['https://pypi.org/simple'] },
      /domains\[0\] 'https:\/\/pypi.org\/simple' is a URL/,
    ],
    ['a cluster name', { domains: ['kubernetes.default.svc.cluster.local'] }, /under '\.local'/],
    ['no sandbox labels', { sandboxLabels: {} }, /labels is empty/],
    ['port 0', { ports: [0] }, /ports\[0\]/],
    [
      'empty client labels',
      { clientPodLabels: {} },
      /clientPodLabels is empty, which would select every pod/,
    ],
    [
      'the gateway label as a client',
      { clientPodLabels: { 'eval-sandbox.io/egress-gateway': 'true' } },
      /clientPodLabels may not name 'eval-sandbox.io\/egress-gateway'/,
    ],
    [
      'an IPv6 service CIDR',
      { serviceCidr: 'fd00::/108' },
      /serviceCidr 'fd00::\/108' must be the cluster's IPv4 Service CIDR/,
    ],
    [
      'a service CIDR with host bits',
      { serviceCidr: '172.20.1.0/16' },
      /serviceCidr '172.20.1.0\/16'/,
    ],
    ['a /8 service CIDR', { serviceCidr: '10.0.0.0/8' }, /\/12 to \/24/],
    [
      'an address outside the CIDR',
      { address: '10.0.0.5' },
      "address '10.0.0.5' is not an IPv4 address in serviceCidr '172.20.0.0/16'",
    ],
    [
      'kube-dns address',
      { address: '172.20.0.10' },
      /address '172.20.0.10' is in the first 256 addresses/,
    ],
    ['the last address', { address: '172.20.255.255' }, /or is its last address/],
    ['a deadline past the bound', { activeDeadlineSeconds: 86401 }, /activeDeadlineSeconds/],
    ['root', { user: 0 }, /user/],
    [
      'too little memory',
      { memory: Size.mebibytes(16) },
      /must exceed the run directory's 16Mi tmpfs/,
    ],
  ])('GIVEN %s THEN it throws', (_what, props, message) => {
    expectValidationError(() => build(props), message);
  });
});

describe('EvaluationSandbox with egressDomains', () => {
  function sandbox(props: Record<string, unknown> = {}) {
    const chart = newChart();
    const sbx = new EvaluationSandbox(chart, 'Sandbox', {
      evaluationId: 'run-7',
      image: TASK_IMAGE,
      egressDomains: ['pypi.org'],
      egressGatewayImage: IMAGE,
      ...props,
    });
    return { sbx, objects: () => synth(chart) };
  }

  test('GIVEN domains THEN the gateway exists and the evaluation container gets the proxy variables, by address', () => {
    const { sbx, objects } = sandbox({ egress: [{ cidr: '10.20.0.0/16', ports: [5432] }] });
    const url = `http://${sbx.egressGateway?.address}:3128`;
    expect(sbx.egressGateway?.address).toMatch(/^172\.20\.[0-9]+\.[0-9]+$/);
    const job = only(objects(), 'Job');
    expect(job.spec.template.spec.containers[0].env).toEqual([
      { name: 'HTTPS_PROXY', value: url },
      { name: 'HTTP_PROXY', value: url },
      { name: 'NO_PROXY', value: 'localhost,127.0.0.1,::1,10.20.0.0/16' },
      { name: 'https_proxy', value: url },
      { name: 'http_proxy', value: url },
      { name: 'no_proxy', value: 'localhost,127.0.0.1,::1,10.20.0.0/16' },
    ]);
    expect(job.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('evaluation');
  });

  test('GIVEN domains THEN no DNS for the evaluation pod: its only egress is the gateway and its CIDR entries', () => {
    const all = sandbox().objects();
    const policies = all.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.map((o) => o.metadata.name)).toEqual([
      'default-deny-all',
      'allow-egress-to-gateway',
      'egress-gateway-ingress',
      'egress-gateway',
    ]);
    // Only the gateway's own policy names a DNS peer or the internet.
    const dnsOrInternet = policies.filter((o) =>
      (o.spec.egress ?? []).some((r: K8sObject) =>
        r.to.some((p: K8sObject) => p.namespaceSelector || p.ipBlock?.cidr === '0.0.0.0/0'),
      ),
    );
    expect(dnsOrInternet.map((o) => o.metadata.name)).toEqual(['egress-gateway']);
    expect(dnsOrInternet[0].spec.podSelector).toEqual({
      matchLabels: { 'eval-sandbox.io/egress-gateway': 'true' },
    });
  });

  test('GIVEN domains THEN the whole sandbox passes the admission pack', () => {
    const evaluator = PolicyEvaluator.forPack();
    for (const o of sandbox({ task: 'swe-1', model: 'm-1' }).objects())
      expect({ o: `${o.kind}/${o.metadata.name}`, ...evaluator.evaluate(o) }).toMatchObject({
        admitted: true,
      });
  });

  test('the gateway logs the evaluation id, task and model; its deadline is the Job deadline plus 10 minutes', () => {
    const { sbx } = sandbox({ task: 'swe-1', model: 'm-1' });
    expect(sbx.egressGateway?.squidConfig).toContain(
      'eval-sandbox.io/evaluation-id=run-7 eval-sandbox.io/model=m-1 eval-sandbox.io/task=swe-1',
    );
    expect(sbx.egressGateway?.activeDeadlineSeconds).toBe(3600 + 600);
  });

  test('GIVEN the gateway THEN the quota is checked with its pod and overhead', () => {
    expectValidationError(
      () => sandbox({ cpu: Cpu.millis(3800), quotaCpu: Cpu.units(4) }),
      /the job's cpu plus the RuntimeClass overhead \(3800m \+ 100m\) plus the egress gateway \(200m with its overhead\) exceeds the sandbox quota/,
    );
  });

  test('GIVEN no domains THEN there is no gateway and no proxy variables', () => {
    const chart = newChart();
    const sbx = new EvaluationSandbox(chart, 'S', { evaluationId: 'run-8', image: TASK_IMAGE });
    expect(sbx.egressGateway).toBeUndefined();
    expect(sbx.proxyEnv).toEqual({});
    expect(only(synth(chart), 'Job').spec.template.spec.containers[0].env).toBeUndefined();
  });

  test('GIVEN domains without an image THEN the gateway runs the project’s own squid image', () => {
    const { sbx } = sandbox({ egressGatewayImage: undefined });
    expect(sbx.egressGateway?.image).toBe(EGRESS_GATEWAY_IMAGE);
    expect(EGRESS_GATEWAY_IMAGE).toMatch(
      /^registry\.example\.com\/eval-sandbox\/egress-gateway@sha256:[0-9a-f]{64}$/,
    );
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      'an image without domains',
      { egressDomains: undefined },
      /egressGatewayImage is set but egressDomains is not/,
    ],
    [
      'a service CIDR without domains',
      { egressDomains: undefined, egressGatewayImage: undefined, serviceCidr: '10.96.0.0/16' },
      /serviceCidr is set but egressDomains is not/,
    ],
    [
      'a proxy variable of its own',
      { env: { https_proxy: 'http://evil:3128' } },
      /env sets https_proxy, which the egress gateway sets; remove it/,
    ],
  ])('GIVEN %s THEN it throws', (_what, props, message) => {
    expectValidationError(() => sandbox(props), message);
  });
});
