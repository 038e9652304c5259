import { Size } from 'cdk8s';
import { Cpu, Group, ServiceAccount, User } from 'cdk8s-plus-28';
import { SandboxNamespace, SandboxNamespaceProps } from '../../../constructs/k8s/sandbox-namespace';
import { EgressProtocol } from '../../../constructs/k8s/egress-policy';
import {
  NAMESPACE_NAME_LABEL,
  POD_SECURITY_LABELS,
  SANDBOX_NAMESPACE_LABEL,
  SANDBOX_NAMESPACE_LABEL_VALUE,
} from '../../../constructs/shared/labels';
import { AUDITOR_CLUSTER_ROLE, RUNNER_CLUSTER_ROLE } from '../../../constructs/shared/platform';
import { expectValidationError, K8sObject, newChart, only, synth } from '../../support/k8s';

function build(props: Partial<SandboxNamespaceProps> = {}) {
  const chart = newChart();
  const ns = new SandboxNamespace(chart, 'Sandbox', { name: 'sbx-1', ...props });
  return { chart, ns, objects: () => synth(chart) };
}

describe('SandboxNamespace', () => {
  describe('namespace', () => {
    test('GIVEN a name THEN the namespace is marked as a sandbox and PSA restricted (enforce, audit, warn) at v1.35', () => {
      const { ns, objects } = build();
      const labels = only(objects(), 'Namespace').metadata.labels;
      expect(labels[SANDBOX_NAMESPACE_LABEL]).toBe(SANDBOX_NAMESPACE_LABEL_VALUE);
      expect(labels).toMatchObject({
        [POD_SECURITY_LABELS.enforce]: 'restricted',
        [POD_SECURITY_LABELS.enforceVersion]: 'v1.35',
        [POD_SECURITY_LABELS.audit]: 'restricted',
        [POD_SECURITY_LABELS.auditVersion]: 'v1.35',
        [POD_SECURITY_LABELS.warn]: 'restricted',
        [POD_SECURITY_LABELS.warnVersion]: 'v1.35',
      });
      expect(ns.podSecurityVersion).toBe('v1.35');
      expect(only(objects(), 'Namespace').metadata.name).toBe('sbx-1');
    });

    test('GIVEN another pinned PSA version THEN all three modes use it', () => {
      const labels = only(build({ podSecurityVersion: 'v1.34' }).objects(), 'Namespace').metadata
        .labels;
      expect(labels[POD_SECURITY_LABELS.enforceVersion]).toBe('v1.34');
      expect(labels[POD_SECURITY_LABELS.auditVersion]).toBe('v1.34');
      expect(labels[POD_SECURITY_LABELS.warnVersion]).toBe('v1.34');
    });

    test('GIVEN extra namespace labels THEN they are added next to the fixed ones', () => {
      const labels = only(build({ namespaceLabels: { team: 'alignment' } }).objects(), 'Namespace')
        .metadata.labels;
      expect(labels.team).toBe('alignment');
      expect(labels[POD_SECURITY_LABELS.enforce]).toBe('restricted');
    });

    test('every namespaced object lives in the sandbox namespace', () => {
      const { ns, objects } = build({
        allowClusterDns: true,
        egress: [{ cidr: '10.0.0.0/8', ports: [443] }],
      });
      ns.grantRunEvaluations(User.fromName(ns, 'U', 'u'));
      const namespaced = objects().filter((o) => o.kind !== 'Namespace');
      expect(namespaced.length).toBe(7);
      for (const o of namespaced) expect(o.metadata.namespace).toBe('sbx-1');
    });
  });

  describe('quota and limits', () => {
    test('GIVEN no props THEN the quota caps cpu 4, memory 8Gi, ephemeral storage 20Gi, 10 pods and no NodePort/LoadBalancer', () => {
      const { ns, objects } = build();
      expect(only(objects(), 'ResourceQuota', 'sandbox-quota').spec.hard).toEqual({
        'requests.cpu': '4',
        'limits.cpu': '4',
        'requests.memory': '8Gi',
        'limits.memory': '8Gi',
        'requests.ephemeral-storage': '20Gi',
        'limits.ephemeral-storage': '20Gi',
        pods: '10',
        'requests.storage': '0Gi',
        persistentvolumeclaims: '0',
        'services.nodeports': '0',
        'services.loadbalancers': '0',
      });
      expect(ns.quotaPods).toBe(10);
    });

    test('GIVEN no props THEN no PersistentVolumeClaim and no claimed storage are allowed', () => {
      const { ns, objects } = build();
      const hard = only(objects(), 'ResourceQuota', 'sandbox-quota').spec.hard;
      expect(hard['requests.storage']).toBe('0Gi');
      expect(hard.persistentvolumeclaims).toBe('0');
      expect(ns.quotaStorage.toKibibytes()).toBe(0);
      expect(ns.quotaPersistentVolumeClaims).toBe(0);
    });

    test('GIVEN claim storage and a claim count THEN both are quota limits', () => {
      const { ns, objects } = build({
        quotaStorage: Size.gibibytes(20),
        quotaPersistentVolumeClaims: 2,
      });
      expect(only(objects(), 'ResourceQuota', 'sandbox-quota').spec.hard).toMatchObject({
        'requests.storage': '20Gi',
        persistentvolumeclaims: '2',
      });
      expect(ns.quotaPersistentVolumeClaims).toBe(2);
    });

    test('GIVEN no props THEN containers without resources get requests = limits of 1 cpu, 2Gi, 4Gi ephemeral', () => {
      const limits = only(build().objects(), 'LimitRange').spec.limits;
      const expected = { cpu: '1', memory: '2Gi', 'ephemeral-storage': '4Gi' };
      expect(limits).toEqual([{ type: 'Container', default: expected, defaultRequest: expected }]);
    });

    test('GIVEN custom quota and defaults THEN they are emitted', () => {
      const objects = build({
        quotaCpu: Cpu.units(16),
        quotaMemory: Size.gibibytes(64),
        quotaEphemeralStorage: Size.gibibytes(100),
        quotaPods: 3,
        defaultContainerCpu: Cpu.millis(500),
        defaultContainerMemory: Size.mebibytes(512),
        defaultContainerEphemeralStorage: Size.gibibytes(1),
      }).objects();
      expect(only(objects, 'ResourceQuota', 'sandbox-quota').spec.hard).toMatchObject({
        'limits.cpu': '16',
        'limits.memory': '64Gi',
        pods: '3',
      });
      expect(only(objects, 'LimitRange').spec.limits[0].default).toEqual({
        cpu: '500m',
        memory: '512Mi',
        'ephemeral-storage': '1Gi',
      });
    });
  });

  describe('network policies', () => {
    test('GIVEN no props THEN all ingress and egress is denied for every pod', () => {
      const deny = only(build().objects(), 'NetworkPolicy', 'default-deny-all');
      expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    });

    test('GIVEN no props THEN there is no DNS policy: the sandbox resolves no names', () => {
      const { ns, objects } = build();
      expect(ns.allowClusterDns).toBe(false);
      expect(ns.dnsPolicy).toBeUndefined();
      const egress = objects()
        .filter((o) => o.kind === 'NetworkPolicy')
        .flatMap((o) => o.spec.egress ?? []);
      expect(egress).toEqual([]);
    });

    test('GIVEN no props THEN the only policy is the default deny', () => {
      const names = build()
        .objects()
        .filter((o) => o.kind === 'NetworkPolicy')
        .map((o) => o.metadata.name);
      expect(names).toEqual(['default-deny-all']);
    });

    test('GIVEN allowClusterDns THEN DNS is allowed to the cluster DNS pods only, UDP and TCP 53', () => {
      const dns = only(
        build({ allowClusterDns: true }).objects(),
        'NetworkPolicy',
        'allow-cluster-dns',
      );
      expect(dns.spec).toEqual({
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      });
    });

    test('GIVEN allowClusterDns and a custom cluster DNS THEN the DNS policy targets it', () => {
      const { ns, objects } = build({
        allowClusterDns: true,
        clusterDnsNamespace: 'dns',
        clusterDnsPodLabels: { app: 'coredns' },
      });
      expect(ns.clusterDnsNamespace).toBe('dns');
      expect(ns.clusterDnsPodLabels).toEqual({ app: 'coredns' });
      expect(only(objects(), 'NetworkPolicy', 'allow-cluster-dns').spec.egress[0].to[0]).toEqual({
        namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: 'dns' } },
        podSelector: { matchLabels: { app: 'coredns' } },
      });
    });

    test('WHEN allowEgressTo a private range THEN the policy is returned and emitted', () => {
      const { ns, objects } = build();
      const policy = ns.allowEgressTo('Db', { cidr: '10.20.0.0/16', ports: [5432] });
      expect(policy.except).toEqual([]);
      expect(ns.egress).toEqual([policy]);
      const np = only(objects(), 'NetworkPolicy', 'allow-egress-db');
      expect(np.spec).toEqual({
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ ipBlock: { cidr: '10.20.0.0/16' } }],
            ports: [{ protocol: 'TCP', port: 5432 }],
          },
        ],
      });
    });

    test('WHEN allowEgressTo the internet THEN it throws: only the egress gateway reaches it', () => {
      const { ns } = build();
      expectValidationError(
        () => ns.allowEgressTo('Https', { cidr: '0.0.0.0/0', ports: [443] }),
        /Sandbox\/Https: cidr '0.0.0.0\/0' reaches the internet, which only a sandbox's egress gateway may \(admission rule SBX-R19\)/,
      );
    });

    test('GIVEN egress props THEN each entry becomes allow-egress-<n>', () => {
      const objects = build({
        egress: [
          { cidr: '10.20.0.0/16', ports: [443, 8443] },
          { cidr: 'fd00:ec2::/32', ports: [53], protocol: EgressProtocol.UDP },
        ],
      }).objects();
      expect(only(objects, 'NetworkPolicy', 'allow-egress-1').spec.egress[0].ports).toEqual([
        { protocol: 'TCP', port: 443 },
        { protocol: 'TCP', port: 8443 },
      ]);
      expect(only(objects, 'NetworkPolicy', 'allow-egress-2').spec.egress[0]).toEqual({
        to: [
          {
            ipBlock: {
              cidr: 'fd00:ec2::/32',
              except: ['fd00:ec2::254/128', 'fd00:ec2::23/128'],
            },
          },
        ],
        ports: [{ protocol: 'UDP', port: 53 }],
      });
    });

    test('WHEN allowEgressTo the metadata service THEN it throws instead of narrowing', () => {
      const { ns } = build();
      expectValidationError(
        () => ns.allowEgressTo('Imds', { cidr: '169.254.169.254/32', ports: [80] }),
        /Sandbox\/Imds: cidr '169.254.169.254\/32' lies inside the link-local or instance-metadata range/,
      );
    });
  });

  describe('RBAC grants', () => {
    test('WHEN grantRunEvaluations THEN a RoleBinding in this namespace binds the runner ClusterRole', () => {
      const { ns, objects } = build();
      const sa = ServiceAccount.fromServiceAccountName(ns, 'Orch', 'orchestrator', {
        namespaceName: 'eval-orchestrator',
      });
      const binding = ns.grantRunEvaluations(sa);
      const rb = only(objects(), 'RoleBinding');
      expect(rb.metadata.name).toBe(binding.name);
      expect(rb.metadata.namespace).toBe('sbx-1');
      expect(rb.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: RUNNER_CLUSTER_ROLE,
      });
      expect(rb.subjects).toEqual([
        {
          kind: 'ServiceAccount',
          name: 'orchestrator',
          namespace: 'eval-orchestrator',
          apiGroup: '',
        },
      ]);
    });

    test('WHEN grantAudit THEN a RoleBinding binds the auditor ClusterRole', () => {
      const { ns, objects } = build();
      ns.grantAudit(Group.fromName(ns, 'G', 'auditors'));
      const rb = only(objects(), 'RoleBinding');
      expect(rb.roleRef.name).toBe(AUDITOR_CLUSTER_ROLE);
      expect(rb.subjects).toEqual([
        { kind: 'Group', name: 'auditors', apiGroup: 'rbac.authorization.k8s.io' },
      ]);
    });

    test('WHEN the same subject is granted twice THEN the same binding is returned', () => {
      const { ns, objects } = build();
      const user = User.fromName(ns, 'U', 'alice@example.com');
      expect(ns.grantRunEvaluations(user)).toBe(ns.grantRunEvaluations(user));
      expect(objects().filter((o: K8sObject) => o.kind === 'RoleBinding')).toHaveLength(1);
    });

    test('GIVEN subjects with characters names cannot hold THEN binding names are valid and distinct', () => {
      const { ns, objects } = build();
      ns.grantRunEvaluations(User.fromName(ns, 'A', 'arn:aws:iam::123456789012:role/Orchestrator'));
      ns.grantAudit(User.fromName(ns, 'B', 'arn:aws:iam::123456789012:role/Orchestrator'));
      const names = objects()
        .filter((o) => o.kind === 'RoleBinding')
        .map((o) => o.metadata.name as string);
      expect(new Set(names).size).toBe(2);
      for (const n of names) expect(n).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    });
  });

  describe('errors', () => {
    test.each<[string, Partial<SandboxNamespaceProps>, RegExp]>([
      ['an invalid name', { name: 'Sandbox_1' }, /Sandbox: name 'Sandbox_1' is not a valid name/],
      [
        'an unpinned PSA version',
        { podSecurityVersion: 'latest' },
        /podSecurityVersion 'latest' must be a pinned version like 'v1.35'/,
      ],
      ['zero pods', { quotaPods: 0 }, /quotaPods must be a whole number from 1 to 1000; got 0/],
      [
        'a fractional claim count',
        { quotaStorage: Size.gibibytes(1), quotaPersistentVolumeClaims: 1.5 },
        /quotaPersistentVolumeClaims must be a whole number from 0 to 1000; got 1.5/,
      ],
      [
        'a negative claim count',
        { quotaPersistentVolumeClaims: -1 },
        /quotaPersistentVolumeClaims must be a whole number from 0 to 1000; got -1/,
      ],
      [
        'claim storage that is not a number',
        { quotaStorage: Size.gibibytes(NaN), quotaPersistentVolumeClaims: 1 },
        /quotaStorage must be a size; got 'NaNGi'/,
      ],
      [
        'claims without storage',
        { quotaPersistentVolumeClaims: 3 },
        /quotaStorage \(0Gi\) and quotaPersistentVolumeClaims \(3\) must both be zero \(no claims\) or both positive/,
      ],
      [
        'storage without claims',
        { quotaStorage: Size.gibibytes(20) },
        /quotaStorage \(20Gi\) and quotaPersistentVolumeClaims \(0\) must both be zero \(no claims\) or both positive/,
      ],
      [
        'zero quota CPU',
        { quotaCpu: Cpu.units(0) },
        /quotaCpu must be a positive whole number of millicores/,
      ],
      [
        'zero quota memory',
        { quotaMemory: Size.gibibytes(0) },
        /quotaMemory must be a positive size/,
      ],
      [
        'a container default above the quota',
        { defaultContainerCpu: Cpu.units(8) },
        /defaultContainerCpu exceeds quotaCpu/,
      ],
      [
        'a memory default above the quota',
        { defaultContainerMemory: Size.gibibytes(16) },
        /defaultContainerMemory exceeds quotaMemory/,
      ],
      [
        'an ephemeral-storage default above the quota',
        { defaultContainerEphemeralStorage: Size.gibibytes(40) },
        /defaultContainerEphemeralStorage exceeds quotaEphemeralStorage/,
      ],
      [
        'a label overriding PSA',
        { namespaceLabels: { [POD_SECURITY_LABELS.enforce]: 'privileged' } },
        /namespaceLabels may not set 'pod-security.kubernetes.io\/enforce'/,
      ],
      [
        'a label removing the sandbox marker',
        { namespaceLabels: { [SANDBOX_NAMESPACE_LABEL]: 'false' } },
        /namespaceLabels may not set 'eval-sandbox.io\/sandbox'/,
      ],
      [
        'an invalid label value',
        { namespaceLabels: { team: 'a/b' } },
        /namespaceLabels\['team'\] 'a\/b' is not a valid label value/,
      ],
      ['an empty DNS pod selector', { clusterDnsPodLabels: {} }, /clusterDnsPodLabels is empty/],
      [
        'an invalid DNS namespace',
        { clusterDnsNamespace: 'Kube_System' },
        /clusterDnsNamespace 'Kube_System' is not a valid name/,
      ],
      [
        'an egress entry to link-local',
        { egress: [{ cidr: '169.254.0.0/16', ports: [80] }] },
        /Sandbox\/1: cidr '169.254.0.0\/16' lies inside/,
      ],
    ])('GIVEN %s THEN it throws naming the field and the fix', (_what, props, message) => {
      expectValidationError(() => build(props), message);
    });
  });

  test('snapshot', () => {
    const { ns, objects } = build({ egress: [{ cidr: '10.20.0.0/16', ports: [443] }] });
    ns.grantRunEvaluations(User.fromName(ns, 'Runner', 'runner'));
    ns.grantAudit(Group.fromName(ns, 'Auditors', 'auditors'));
    expect(objects()).toMatchSnapshot();
  });
});

describe('SandboxNamespace name prefix and priority quota', () => {
  test.each(['kube-system', 'default', 'team-a', 'sbxrun'])(
    'GIVEN the name %p THEN it throws: sandbox namespaces start with sbx-',
    (name) => {
      expectValidationError(
        () => new SandboxNamespace(newChart(), 'Ns', { name }),
        /^test\/Ns: name '.*' must start with 'sbx-' \(for example 'sbx-/,
      );
    },
  );

  test('GIVEN no props THEN a second quota allows zero pods of any PriorityClass but the sandbox one', () => {
    const chart = newChart();
    const ns = new SandboxNamespace(chart, 'Ns', { name: 'sbx-1' });
    const quota = only(synth(chart), 'ResourceQuota', 'sandbox-priority-quota');
    expect(quota.metadata.namespace).toBe('sbx-1');
    expect(quota.spec).toEqual({
      hard: { pods: '0' },
      scopeSelector: {
        matchExpressions: [
          { scopeName: 'PriorityClass', operator: 'Exists' },
          { scopeName: 'PriorityClass', operator: 'NotIn', values: ['eval-sandbox-sandbox'] },
        ],
      },
    });
    expect(ns.priorityQuota).toBeDefined();
  });
});
