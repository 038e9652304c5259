import * as fs from 'node:fs';
import * as path from 'node:path';
import { GvisorRuntimeClass } from '../../../constructs/k8s/gvisor-runtime-class';
import {
  KARPENTER_VERSION,
  KarpenterGvisorPool,
  KarpenterGvisorPoolProps,
} from '../../../constructs/k8s/karpenter-gvisor-pool';
import { userData } from '../../../constructs/shared/gvisor-bootstrap';
import {
  KARPENTER_DISCOVERY_TAG,
  SANDBOX_INSTANCE_FAMILIES,
} from '../../../constructs/shared/node-capacity';
import { GVISOR_INSTANCE_FAMILIES } from '../../../stacks/config';
import { expectValidationError, K8sObject, newChart, only, synth } from '../../support/k8s';
import { ROOT } from '../../support/tools';

const base: KarpenterGvisorPoolProps = {
  clusterName: 'eval-sandbox-dev',
  nodeRole: 'eval-sandbox-dev-karpenter-node',
  volumeKmsKeyArn: 'arn:aws:kms:eu-west-2:123456789012:key/volumes',
  release: '20251110',
  mirror: 's3://eval-sandbox-runsc-mirror/gvisor',
  runscSha512: 'a'.repeat(128),
  shimSha512: 'b'.repeat(128),
};

function build(props: Partial<KarpenterGvisorPoolProps> = {}) {
  const chart = newChart();
  const pool = new KarpenterGvisorPool(chart, 'Pool', { ...base, ...props });
  const objects = synth(chart);
  return {
    pool,
    objects,
    nodePool: only(objects, 'NodePool'),
    nodeClass: only(objects, 'EC2NodeClass'),
  };
}

/** The parts of a MIME multi-part document: content type and body. */
function mimeParts(doc: string): { type: string; body: string }[] {
  const boundary = /boundary="([^"]+)"/.exec(doc)?.[1];
  if (!boundary) throw new Error('no boundary');
  return doc
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const [head, ...body] = part.replace(/^\n/, '').split('\n\n');
      return { type: /Content-Type: (.*)/.exec(head)?.[1] ?? '', body: body.join('\n\n') };
    });
}

describe('KarpenterGvisorPool', () => {
  const { pool, nodePool, nodeClass, objects } = build();

  test('GIVEN required props THEN it emits one karpenter.sh/v1 NodePool and one karpenter.k8s.aws/v1 EC2NodeClass named gvisor', () => {
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`).sort()).toEqual([
      'karpenter.k8s.aws/v1 EC2NodeClass gvisor',
      'karpenter.sh/v1 NodePool gvisor',
    ]);
    expect(nodePool.spec.template.spec.nodeClassRef).toEqual({
      group: 'karpenter.k8s.aws',
      kind: 'EC2NodeClass',
      name: 'gvisor',
    });
    expect(nodePool.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'eval-sandbox',
      'app.kubernetes.io/component': 'node-pool',
    });
  });

  test('GIVEN the gvisor RuntimeClass THEN the pool carries exactly the taint it tolerates and the label it selects', () => {
    const chart = newChart();
    new GvisorRuntimeClass(chart, 'RuntimeClass');
    const scheduling = only(synth(chart), 'RuntimeClass').scheduling;
    const taints: K8sObject[] = nodePool.spec.template.spec.taints;
    expect(taints).toHaveLength(1);
    const [toleration] = scheduling.tolerations;
    expect(toleration.operator).toBe('Equal');
    expect(taints[0]).toEqual({
      key: toleration.key,
      value: toleration.value,
      effect: toleration.effect,
    });
    expect(nodePool.spec.template.metadata.labels).toEqual(scheduling.nodeSelector);
    expect(nodePool.spec.template.metadata.labels).toEqual({ 'eval-sandbox.io/runtime': 'gvisor' });
    expect(taints[0]).toEqual({
      key: 'eval-sandbox.io/sandbox',
      value: 'gvisor',
      effect: 'NoSchedule',
    });
  });

  test('GIVEN defaults THEN requirements are amd64, linux, the sandbox families and on-demand plus spot', () => {
    expect(nodePool.spec.template.spec.requirements).toEqual([
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
      { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
      {
        key: 'karpenter.k8s.aws/instance-family',
        operator: 'In',
        values: ['m6i', 'm7i', 'm6a', 'm7a', 'c6i', 'c7i', 'c6a', 'c7a', 'r6i', 'r7i'],
      },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand', 'spot'] },
    ]);
    expect(pool.capacityTypes).toEqual(['on-demand', 'spot']);
  });

  test("GIVEN the shared family list THEN it is the managed pool's list (stacks/config.ts)", () => {
    expect([...SANDBOX_INSTANCE_FAMILIES]).toEqual(GVISOR_INSTANCE_FAMILIES);
  });

  test('GIVEN defaults THEN limits are 256 vCPU and 1024Gi, nodes expire after 24h with a 24h drain, consolidation after 5m within a 10% budget', () => {
    expect(nodePool.spec.limits).toEqual({ cpu: '256', memory: '1024Gi' });
    expect(nodePool.spec.template.spec.expireAfter).toBe('24h');
    expect(nodePool.spec.template.spec.terminationGracePeriod).toBe('24h');
    expect(nodePool.spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '5m',
      budgets: [{ nodes: '10%' }],
    });
    expect(nodePool.spec.replicas).toBeUndefined(); // scale to zero: no static size
    expect(pool).toMatchObject({
      cpuLimit: 256,
      memoryLimitGib: 1024,
      expireAfter: '24h',
      terminationGracePeriod: '24h',
      consolidateAfter: '5m',
      disruptionBudget: '10%',
      diskGib: 100,
    });
  });

  test('GIVEN defaults THEN the NodeClass is AL2023 latest, the node role, subnets and security groups by the discovery tag', () => {
    expect(nodeClass.spec.role).toBe('eval-sandbox-dev-karpenter-node');
    expect(nodeClass.spec.amiSelectorTerms).toEqual([{ alias: 'al2023@latest' }]);
    expect(nodeClass.spec.subnetSelectorTerms).toEqual([
      { tags: { 'karpenter.sh/discovery': 'eval-sandbox-dev' } },
    ]);
    expect(nodeClass.spec.securityGroupSelectorTerms).toEqual([
      { tags: { [KARPENTER_DISCOVERY_TAG]: 'eval-sandbox-dev' } },
    ]);
    expect(nodeClass.spec.associatePublicIPAddress).toBe(false);
    expect(nodeClass.spec.detailedMonitoring).toBe(true);
  });

  test('GIVEN defaults THEN IMDSv2 is required with hop limit 1 and the root volume is encrypted gp3 with the customer key', () => {
    expect(nodeClass.spec.metadataOptions).toEqual({
      httpEndpoint: 'enabled',
      httpProtocolIPv6: 'disabled',
      httpPutResponseHopLimit: 1,
      httpTokens: 'required',
    });
    expect(nodeClass.spec.blockDeviceMappings).toEqual([
      {
        deviceName: '/dev/xvda',
        rootVolume: true,
        ebs: {
          volumeSize: '100Gi',
          volumeType: 'gp3',
          encrypted: true,
          kmsKeyID: 'arn:aws:kms:eu-west-2:123456789012:key/volumes',
          deleteOnTermination: true,
        },
      },
    ]);
  });

  test('GIVEN the user data THEN it is the runsc bootstrap: MIME with the containerd NodeConfig first, then the verified install', () => {
    expect(nodeClass.spec.userData).toBe(userData(base));
    const parts = mimeParts(nodeClass.spec.userData);
    expect(parts.map((p) => p.type)).toEqual([
      'application/node.eks.aws',
      'text/x-shellscript; charset="us-ascii"',
    ]);
    expect(parts[0].body).toContain('kind: NodeConfig');
    expect(parts[0].body).toContain(
      '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runsc]',
    );
    expect(parts[1].body).toContain(`RUNSC_SHA512='${'a'.repeat(128)}'`);
    expect(parts[1].body).toContain(
      "MIRROR='s3://eval-sandbox-runsc-mirror/gvisor/20251110/x86_64'",
    );
    // Karpenter recognises a MIME archive by its first header (nodeadm.go parseUserData).
    expect(nodeClass.spec.userData.startsWith('MIME-Version:')).toBe(true);
  });

  test('GIVEN every option THEN each replaces its default', () => {
    const custom = build({
      name: 'sandboxes',
      amiVersion: 'v20251120',
      subnetSelectorTags: { tier: 'private' },
      securityGroupSelectorTags: { 'eval-sandbox.io/nodes': 'gvisor' },
      instanceFamilies: ['m7i', 'c7i'],
      onDemandOnly: true,
      cpuLimit: 64,
      memoryLimitGib: 256,
      diskGib: 200,
      expireAfter: '12h',
      terminationGracePeriod: '2h',
      consolidateAfter: '1m',
      disruptionBudget: '1',
    });
    const spec = custom.nodePool.spec;
    expect(custom.nodePool.metadata.name).toBe('sandboxes');
    expect(custom.nodeClass.metadata.name).toBe('sandboxes');
    expect(spec.template.spec.nodeClassRef.name).toBe('sandboxes');
    expect(custom.nodeClass.spec.amiSelectorTerms).toEqual([{ alias: 'al2023@v20251120' }]);
    expect(custom.nodeClass.spec.subnetSelectorTerms).toEqual([{ tags: { tier: 'private' } }]);
    expect(custom.nodeClass.spec.securityGroupSelectorTerms).toEqual([
      { tags: { 'eval-sandbox.io/nodes': 'gvisor' } },
    ]);
    expect(spec.template.spec.requirements.slice(2)).toEqual([
      { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m7i', 'c7i'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
    ]);
    expect(spec.limits).toEqual({ cpu: '64', memory: '256Gi' });
    expect(custom.nodeClass.spec.blockDeviceMappings[0].ebs.volumeSize).toBe('200Gi');
    expect(spec.template.spec.expireAfter).toBe('12h');
    expect(spec.template.spec.terminationGracePeriod).toBe('2h');
    expect(spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '1m',
      budgets: [{ nodes: '1' }],
    });
  });

  test.each<[string, Partial<KarpenterGvisorPoolProps>, RegExp]>([
    ['an invalid name', { name: 'GVisor' }, /name 'GVisor' is not a valid name/],
    ['an empty cluster name', { clusterName: '' }, /clusterName is empty/],
    [
      'a role ARN instead of a name',
      { nodeRole: 'arn:aws:iam::123456789012:role/node' },
      /nodeRole 'arn:aws:iam::123456789012:role\/node' is not an IAM role name; use the role's name/,
    ],
    ['an empty volume key', { volumeKmsKeyArn: ' ' }, /volumeKmsKeyArn is empty/],
    [
      'an AMI version that is not a release',
      { amiVersion: '2025-11-20' },
      /amiVersion '2025-11-20' is not an AL2023 AMI release; use 'latest' or a release such as 'v20251120'/,
    ],
    [
      'a mirror that is not S3',
      { mirror: '/srv/runsc' },
      /mirror '\/srv\/runsc' is not an S3 location/,
    ],
    [
      'no instance families',
      { instanceFamilies: [] },
      /instanceFamilies is empty; list at least one of m6i/,
    ],
    [
      'an instance family without Nitro x86_64',
      { instanceFamilies: ['m7i', 't2', 'm7g'] },
      /instanceFamilies 't2', 'm7g' not allowed for gVisor nodes/,
    ],
    ['a zero CPU limit', { cpuLimit: 0 }, /cpuLimit 0: use a whole number, at least 1/],
    [
      'a fractional memory limit',
      { memoryLimitGib: 1.5 },
      /memoryLimitGib 1.5: use a whole number/,
    ],
    [
      'a disk too small for AL2023',
      { diskGib: 10 },
      /diskGib 10: use a whole number of GiB from 20/,
    ],
    [
      'nodes that never expire',
      { expireAfter: 'Never' },
      /expireAfter 'Never' is not a duration Karpenter accepts.*'Never' is refused: sandbox nodes must be recycled/,
    ],
    [
      'a duration in days',
      { terminationGracePeriod: '1d' },
      /terminationGracePeriod '1d' is not a duration/,
    ],
    ['a bad consolidateAfter', { consolidateAfter: '5 minutes' }, /consolidateAfter '5 minutes'/],
    [
      'a budget over 100%',
      { disruptionBudget: '150%' },
      /disruptionBudget '150%' is not a node count or percentage/,
    ],
    ['empty subnet selector tags', { subnetSelectorTags: {} }, /subnetSelectorTags is empty/],
    [
      'a security group selector with an empty value',
      { securityGroupSelectorTags: { team: '' } },
      /securityGroupSelectorTags has an empty key or value/,
    ],
  ])(
    'GIVEN %s THEN it fails with a ValidationError naming the field and the fix',
    (_, props, message) => {
      const error = expectValidationError(() => build(props), message);
      expect(error.path).toBe('test/Pool');
    },
  );

  test('GIVEN the pinned Karpenter version THEN scripts/fetch-karpenter-crds.sh fetches the same release', () => {
    const script = fs.readFileSync(path.join(ROOT, 'scripts', 'fetch-karpenter-crds.sh'), 'utf8');
    expect(script).toContain(`DEFAULT_VERSION=${KARPENTER_VERSION}\n`);
  });
});
