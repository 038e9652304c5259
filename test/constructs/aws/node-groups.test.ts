import { GvisorNodeGroup, GvisorNodeGroupProps } from '../../../constructs/aws/gvisor-node-group';
import { NodePoolProps } from '../../../constructs/aws/node-pool';
import { SystemNodeGroup } from '../../../constructs/aws/system-node-group';
import {
  SANDBOX_NODE_LABEL,
  SANDBOX_NODE_LABEL_VALUE,
  SANDBOX_NODE_TAINT_KEY,
  SANDBOX_NODE_TAINT_VALUE,
} from '../../../constructs/shared/labels';
import { GvisorRuntimeClass } from '../../../constructs/k8s/gvisor-runtime-class';
import { Json, one, policy, resources, synthConstruct } from '../../support/aws';
import { newChart, only, synth } from '../../support/k8s';

const poolProps: NodePoolProps = {
  cluster: { clusterName: 'sandbox', clusterSecurityGroupId: 'sg-cluster' },
  network: { vpcId: 'vpc-1', privateSubnetIds: ['subnet-a', 'subnet-b', 'subnet-c'] },
  instanceTypes: ['m6i.2xlarge'],
  minSize: 1,
  desiredSize: 2,
  maxSize: 4,
};
const gvisorProps: GvisorNodeGroupProps = {
  ...poolProps,
  release: '20251110',
  mirror: 's3://mirror/gvisor',
  mirrorStore: {
    bucketArn: 'arn:aws:s3:::mirror',
    keyArn: 'arn:aws:kms:eu-west-2:123456789012:key/k',
  },
  runscSha512: 'a'.repeat(128),
  shimSha512: 'b'.repeat(128),
};
const gvisor = (props: Partial<GvisorNodeGroupProps> = {}): Json =>
  synthConstruct((s) => new GvisorNodeGroup(s, 'GvisorPool', { ...gvisorProps, ...props }));
const system = (): Json => synthConstruct((s) => new SystemNodeGroup(s, 'SystemPool', poolProps));

describe.each([
  ['GvisorNodeGroup', gvisor],
  ['SystemNodeGroup', system],
])('%s launch template and node group', (_, build) => {
  const json = build();
  const template = one(json, 'aws_launch_template');
  const group = one(json, 'aws_eks_node_group');

  test('GIVEN defaults THEN IMDSv2 is required with hop limit 1 (pods cannot reach the node role)', () => {
    expect(template.metadata_options).toEqual({
      http_endpoint: 'enabled',
      http_tokens: 'required',
      http_put_response_hop_limit: 1,
      instance_metadata_tags: 'disabled',
    });
  });

  test('GIVEN defaults THEN the root volume is gp3, encrypted with a rotating customer key usable by Auto Scaling', () => {
    const [device] = template.block_device_mappings;
    expect(device.ebs).toEqual(
      expect.objectContaining({
        volume_type: 'gp3',
        encrypted: 'true',
        volume_size: 100,
        delete_on_termination: 'true',
      }),
    );
    expect(device.ebs.kms_key_id).toMatch(/^\$\{aws_kms_key\.\w+_VolumeKey_\w+\.arn\}$/);
    const key = one(json, 'aws_kms_key');
    expect(key.enable_key_rotation).toBe(true);
    const statements = policy(key.policy).Statement;
    expect(statements.map((s) => s.Sid)).toEqual([
      'AccountControl',
      'AutoScalingUse',
      'AutoScalingGrants',
    ]);
    // The service-linked role is looked up (the plan fails while it is missing), not spelled out:
    // KMS refuses a key policy naming a role that does not exist.
    const [lookupId, lookup] = Object.entries(json.data.aws_iam_role as Record<string, Json>)[0];
    expect(lookup.name).toBe('AWSServiceRoleForAutoScaling');
    for (const s of statements.slice(1))
      expect(s.Principal).toEqual({ AWS: `\${data.aws_iam_role.${lookupId}.arn}` });
  });

  test('GIVEN defaults THEN instances, volumes and network interfaces carry the pool’s tags', () => {
    expect(template.tag_specifications.map((t: Json) => t.resource_type)).toEqual([
      'instance',
      'volume',
      'network-interface',
    ]);
    for (const spec of template.tag_specifications)
      expect(Object.keys(spec.tags).sort()).toEqual(['Name', 'eval-sandbox:pool']);
  });

  test('GIVEN defaults THEN there is no SSH key, no remote access and no public address', () => {
    expect(template.key_name).toBeUndefined();
    expect(group.remote_access).toBeUndefined();
    expect(template.network_interfaces).toBeUndefined();
  });

  test('GIVEN defaults THEN it is a managed AL2023 group on the private subnets using the template', () => {
    expect(group.ami_type).toBe('AL2023_x86_64_STANDARD');
    expect(group.subnet_ids).toEqual(['subnet-a', 'subnet-b', 'subnet-c']);
    expect(group.cluster_name).toBe('sandbox');
    expect(group.launch_template.id).toMatch(/^\$\{aws_launch_template\.\w+\.id\}$/);
    expect(group.scaling_config).toEqual({ min_size: 1, desired_size: 2, max_size: 4 });
    expect(group.instance_types).toEqual(['m6i.2xlarge']);
    // Later changes of desired size (by hand, or by whatever scales the group) survive an apply.
    expect(group.lifecycle.ignore_changes).toEqual(['scaling_config[0].desired_size']);
  });

  test('GIVEN defaults THEN the node role has only the worker and ECR pull-only policies', () => {
    const attached = Object.values(resources(json, 'aws_iam_role_policy_attachment')).map((a) =>
      a.policy_arn.replace(/^.*:policy\//, ''),
    );
    expect(attached.sort()).toEqual([
      'AmazonEC2ContainerRegistryPullOnly',
      'AmazonEKSWorkerNodePolicy',
    ]);
  });
});

describe('GvisorNodeGroup', () => {
  const json = gvisor();
  const group = one(json, 'aws_eks_node_group');

  test('GIVEN defaults THEN the taint and label are the shared constants the gvisor RuntimeClass selects', () => {
    expect(group.taint).toEqual([
      { key: SANDBOX_NODE_TAINT_KEY, value: SANDBOX_NODE_TAINT_VALUE, effect: 'NO_SCHEDULE' },
    ]);
    expect(group.labels).toEqual({ [SANDBOX_NODE_LABEL]: SANDBOX_NODE_LABEL_VALUE });
    // The cdk8s side: what the RuntimeClass asks for is exactly what the nodes carry.
    const chart = newChart();
    new GvisorRuntimeClass(chart, 'RuntimeClass');
    const scheduling = only(synth(chart), 'RuntimeClass').scheduling;
    expect(scheduling.nodeSelector).toEqual(group.labels);
    expect(scheduling.tolerations).toEqual([
      {
        key: group.taint[0].key,
        operator: 'Equal',
        value: group.taint[0].value,
        effect: 'NoSchedule',
      },
    ]);
  });

  test('GIVEN defaults THEN the user data is the bootstrap, base64-encoded', () => {
    const decoded = Buffer.from(one(json, 'aws_launch_template').user_data, 'base64').toString(
      'utf8',
    );
    expect(decoded).toMatch(/^MIME-Version: 1\.0\nContent-Type: multipart\/mixed; boundary=/);
    expect(decoded).toContain('kind: NodeConfig');
    expect(decoded).toContain(`RUNSC_SHA512='${'a'.repeat(128)}'`);
  });

  test('GIVEN defaults THEN nodes may read only gvisor/* of the mirror and decrypt with its key', () => {
    const statements = policy(one(json, 'aws_iam_role_policy', 'MirrorRead').policy).Statement;
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::mirror/gvisor/*' },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: 'arn:aws:kms:eu-west-2:123456789012:key/k',
      },
    ]);
  });

  test('GIVEN defaults THEN the plan lists the release in the mirror and refuses the pool unless runsc and the shim are there', () => {
    const [listId, listing] = Object.entries(json.data.aws_s3_objects as Record<string, Json>)[0];
    expect(listing).toEqual({ bucket: 'mirror', prefix: 'gvisor/20251110/x86_64/' });
    expect(group.lifecycle.precondition).toEqual([
      {
        condition: `\${contains(data.aws_s3_objects.${listId}.keys, "gvisor/20251110/x86_64/runsc")}`,
        error_message:
          'The runsc mirror has no s3://mirror/gvisor/20251110/x86_64/runsc: fill it first with scripts/aws/fill-runsc-mirror.sh 20251110 mirror (docs/aws/deploy.md); nodes booting without it never register',
      },
      {
        condition: `\${contains(data.aws_s3_objects.${listId}.keys, "gvisor/20251110/x86_64/containerd-shim-runsc-v1")}`,
        error_message:
          'The runsc mirror has no s3://mirror/gvisor/20251110/x86_64/containerd-shim-runsc-v1: fill it first with scripts/aws/fill-runsc-mirror.sh 20251110 mirror (docs/aws/deploy.md); nodes booting without it never register',
      },
    ]);
    // ignore_changes on desired size stays beside the preconditions.
    expect(group.lifecycle.ignore_changes).toEqual(['scaling_config[0].desired_size']);
  });

  test('GIVEN allowEmptyMirror THEN there is no listing and no precondition (the documented opt-out)', () => {
    const json = gvisor({ allowEmptyMirror: true });
    expect(json.data?.aws_s3_objects).toBeUndefined();
    expect(one(json, 'aws_eks_node_group').lifecycle.precondition).toBeUndefined();
  });

  test('GIVEN a mirror at the bucket root THEN the nodes may read the whole bucket, and the listing is of the release', () => {
    const json = gvisor({ mirror: 's3://mirror' });
    expect(Object.values(json.data.aws_s3_objects as Record<string, Json>)[0].prefix).toBe(
      '20251110/x86_64/',
    );
    const [read] = policy(one(json, 'aws_iam_role_policy', 'MirrorRead').policy).Statement;
    expect(read.Resource).toBe('arn:aws:s3:::mirror/*');
  });

  test('GIVEN a mirror that is not an S3 location THEN it is refused', () => {
    expect(() => gvisor({ mirror: 'https://mirror.example/gvisor' })).toThrow(
      "test/GvisorPool: mirror 'https://mirror.example/gvisor' is not an S3 location; use s3://<bucket>/<prefix>, e.g. s3://my-runsc-mirror/gvisor",
    );
  });

  test('GIVEN defaults THEN the nodes are not in the cluster security group: the kubelet from the control plane, the egress gateway port from each other', () => {
    const [sgId, sg] = Object.entries(resources(json, 'aws_security_group'))[0];
    expect(one(json, 'aws_launch_template').vpc_security_group_ids).toEqual([
      `\${aws_security_group.${sgId}.id}`,
    ]);
    expect(
      sg.ingress.map((r: Json) => [r.protocol, r.from_port, r.to_port, r.security_groups, r.self]),
    ).toEqual([
      ['tcp', 10250, 10250, ['sg-cluster'], null],
      ['tcp', 3128, 3128, null, true],
    ]);
    for (const rule of sg.ingress) expect(rule.cidr_blocks ?? []).toEqual([]);
  });

  test('GIVEN defaults THEN the cluster security group admits the gVisor nodes only to the API server and DNS', () => {
    const [sgId] = Object.keys(resources(json, 'aws_security_group'));
    const rules = Object.values(resources(json, 'aws_vpc_security_group_ingress_rule'));
    expect(
      rules.map((r) => [
        r.security_group_id,
        r.referenced_security_group_id,
        r.ip_protocol,
        r.from_port,
        r.to_port,
      ]),
    ).toEqual([
      ['sg-cluster', `\${aws_security_group.${sgId}.id}`, 'tcp', 443, 443],
      ['sg-cluster', `\${aws_security_group.${sgId}.id}`, 'tcp', 53, 53],
      ['sg-cluster', `\${aws_security_group.${sgId}.id}`, 'udp', 53, 53],
    ]);
  });

  test('GIVEN a disk size THEN the root volume uses it', () => {
    expect(
      one(gvisor({ diskGib: 300 }), 'aws_launch_template').block_device_mappings[0].ebs.volume_size,
    ).toBe(300);
  });
});

describe('SystemNodeGroup', () => {
  test('GIVEN defaults THEN the pool has its own security group: in from the cluster and itself only, and it is in the cluster security group', () => {
    const json = system();
    const sg = one(json, 'aws_security_group');
    expect(one(json, 'aws_launch_template').vpc_security_group_ids).toEqual([
      expect.stringMatching(/^\$\{aws_security_group\.\w+\.id\}$/),
      'sg-cluster',
    ]);
    expect(sg.ingress).toHaveLength(2);
    expect(sg.ingress[0].security_groups).toEqual(['sg-cluster']);
    expect(sg.ingress[1].self).toBe(true);
    for (const rule of sg.ingress) expect(rule.cidr_blocks ?? []).toEqual([]);
    expect(resources(json, 'aws_vpc_security_group_ingress_rule')).toEqual({});
  });

  test('GIVEN subnetIds THEN the nodes use only those, not every private subnet of the network', () => {
    const narrowed = synthConstruct(
      (s) => new SystemNodeGroup(s, 'SystemPool', { ...poolProps, subnetIds: ['subnet-b'] }),
    );
    expect(one(narrowed, 'aws_eks_node_group').subnet_ids).toEqual(['subnet-b']);
  });

  const group = one(system(), 'aws_eks_node_group');

  test('GIVEN defaults THEN it is untainted, has no user data and is not labelled as a sandbox node', () => {
    expect(group.taint).toBeUndefined();
    expect(group.labels).toEqual({ 'eval-sandbox.io/pool': 'system' });
    expect(Object.keys(group.labels)).not.toContain(SANDBOX_NODE_LABEL);
    expect(one(system(), 'aws_launch_template').user_data).toBeUndefined();
  });
});
