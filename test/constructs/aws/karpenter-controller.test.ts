import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { IResolvable, TerraformStack, Testing, Token } from 'cdktf';
import {
  KARPENTER_INTERRUPTION_EVENTS,
  KarpenterController,
  KarpenterControllerProps,
  pricingRegion,
} from '../../../constructs/aws/karpenter-controller';
import { TerraformRulePackAspect } from '../../../constructs/aws/rule-pack-aspect';
import { SandboxCluster } from '../../../constructs/aws/sandbox-cluster';
import { SandboxVpc } from '../../../constructs/aws/sandbox-vpc';
import { ValidationError } from '../../../constructs/shared/errors';
import { KARPENTER_DISCOVERY_TAG } from '../../../constructs/shared/node-capacity';
import { Json, one, policy, resources } from '../../support/aws';

const base: KarpenterControllerProps = {
  cluster: { clusterName: 'sandbox', clusterSecurityGroupId: 'sg-cluster' },
  network: { vpcId: 'vpc-1', privateSubnetIds: ['subnet-a', 'subnet-b'] },
  region: 'eu-west-2',
  mirror: 's3://mirror/gvisor',
  mirrorStore: {
    bucketArn: 'arn:aws:s3:::mirror',
    keyArn: 'arn:aws:kms:eu-west-2:123456789012:key/mirror',
  },
};

/** Synthesizes the controller with validations on and the Terraform rule pack applied. */
function synthController(props: Partial<KarpenterControllerProps> = {}): Json {
  const stack = new TerraformStack(Testing.app(), 'test');
  new AwsProvider(stack, 'aws', { region: 'eu-west-2' });
  new KarpenterController(stack, 'Karpenter', { ...base, ...props });
  TerraformRulePackAspect.applyTo(stack);
  return JSON.parse(Testing.synth(stack, true));
}

const expectError = (props: Partial<KarpenterControllerProps>, message: RegExp) => {
  const stack = new TerraformStack(Testing.app(), 'test');
  let thrown: unknown;
  try {
    new KarpenterController(stack, 'Karpenter', { ...base, ...props });
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ValidationError);
  expect((thrown as Error).message).toMatch(/^test\/Karpenter: /);
  expect((thrown as Error).message).toMatch(message);
};

const ACCOUNT = '${data.aws_caller_identity.Karpenter_Account_00BD874C.account_id}';

describe('KarpenterController', () => {
  const json = synthController();
  const policies: Record<string, Json[]> = Object.fromEntries(
    Object.values(resources(json, 'aws_iam_policy')).map((p) => [
      p.name.replace('sandbox-karpenter-', ''),
      policy(p.policy).Statement,
    ]),
  );
  const statement = (sid: string) =>
    Object.values(policies)
      .flat()
      .find((s) => s.Sid === sid);
  const queueArn = '${aws_sqs_queue.Karpenter_InterruptionQueue_D68B7CB0.arn}';
  const ref = (type: string, id: string, attr: string) => {
    const found = Object.keys(resources(json, type)).filter((k) => k.includes(id));
    expect(found).toHaveLength(1);
    return `\${${type}.${found[0]}.${attr}}`;
  };

  test('GIVEN the synthesized account id THEN the helper constant names it (the literals below depend on it)', () => {
    expect(Object.keys(json.data.aws_caller_identity)).toContain('Karpenter_Account_00BD874C');
    expect(ref('aws_sqs_queue', 'InterruptionQueue', 'arn')).toBe(queueArn);
  });

  test('GIVEN defaults THEN the controller role is trusted by EKS Pod Identity for kube-system/karpenter of this cluster only', () => {
    const role = one(json, 'aws_iam_role', 'Karpenter_Role');
    expect(role.name).toBe('sandbox-karpenter');
    expect(policy(role.assume_role_policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'pods.eks.amazonaws.com' },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Condition: {
            StringEquals: {
              'aws:RequestTag/eks-cluster-name': 'sandbox',
              'aws:RequestTag/kubernetes-namespace': 'kube-system',
              'aws:RequestTag/kubernetes-service-account': 'karpenter',
            },
          },
        },
      ],
    });
    expect(one(json, 'aws_eks_pod_identity_association')).toMatchObject({
      cluster_name: 'sandbox',
      namespace: 'kube-system',
      service_account: 'karpenter',
      role_arn: ref('aws_iam_role', 'Karpenter_Role', 'arn'),
    });
  });

  test('GIVEN defaults THEN six customer policies are attached to the controller role, one per concern', () => {
    expect(Object.keys(policies).sort()).toEqual([
      'discovery',
      'eks',
      'iam',
      'interruption',
      'node-lifecycle',
      'volumes',
    ]);
    const attached = Object.values(resources(json, 'aws_iam_role_policy_attachment'))
      .filter((a) => a.role === ref('aws_iam_role', 'Karpenter_Role', 'name'))
      .map((a) => a.policy_arn)
      .sort();
    expect(attached).toEqual(
      Object.keys(resources(json, 'aws_iam_policy'))
        .map((id) => `\${aws_iam_policy.${id}.arn}`)
        .sort(),
    );
  });

  test('GIVEN every controller statement THEN no action is a wildcard and every Resource "*" carries conditions', () => {
    const all = Object.values(policies).flat();
    expect(all.length).toBe(20);
    for (const s of all) {
      for (const action of [s.Action].flat()) expect(action).not.toMatch(/\*/);
      if ([s.Resource].flat().includes('*')) expect(Object.keys(s.Condition ?? {})).not.toEqual([]);
    }
    expect(
      all
        .filter((s) => s.Resource === '*')
        .map((s) => s.Sid)
        .sort(),
    ).toEqual([
      'AllowPricingReadActions',
      'AllowRegionalReadActions',
      'AllowUnscopedInstanceProfileListAction',
    ]);
  });

  test('GIVEN the node-lifecycle policy THEN launches are scoped to tagged network, cluster-owned templates and tagged creations', () => {
    const ec2 = (r: string) => `arn:aws:ec2:eu-west-2:${ACCOUNT}:${r}`;
    const tagged = [
      'fleet/*',
      'instance/*',
      'volume/*',
      'network-interface/*',
      'launch-template/*',
      'spot-instances-request/*',
    ].map(ec2);
    expect(policies['node-lifecycle']).toEqual([
      {
        Sid: 'AllowScopedEC2ImageAccess',
        Effect: 'Allow',
        Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
        Resource: ['arn:aws:ec2:eu-west-2::image/*', 'arn:aws:ec2:eu-west-2::snapshot/*'],
      },
      {
        Sid: 'AllowDiscoveredNetworkAccess',
        Effect: 'Allow',
        Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
        Resource: [ec2('subnet/*'), ec2('security-group/*')],
        Condition: { StringEquals: { 'aws:ResourceTag/karpenter.sh/discovery': 'sandbox' } },
      },
      {
        Sid: 'AllowScopedEC2LaunchTemplateAccessActions',
        Effect: 'Allow',
        Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
        Resource: ec2('launch-template/*'),
        Condition: {
          StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/sandbox': 'owned' },
          StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
        },
      },
      {
        Sid: 'AllowScopedEC2InstanceActionsWithTags',
        Effect: 'Allow',
        Action: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
        Resource: tagged,
        Condition: {
          StringEquals: {
            'aws:RequestTag/kubernetes.io/cluster/sandbox': 'owned',
            'aws:RequestTag/eks:eks-cluster-name': 'sandbox',
          },
          StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
        },
      },
      {
        Sid: 'AllowScopedResourceCreationTagging',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: tagged,
        Condition: {
          StringEquals: {
            'aws:RequestTag/kubernetes.io/cluster/sandbox': 'owned',
            'aws:RequestTag/eks:eks-cluster-name': 'sandbox',
            'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
          },
          StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
        },
      },
      {
        Sid: 'AllowScopedResourceTagging',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: ec2('instance/*'),
        Condition: {
          StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/sandbox': 'owned' },
          StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
          StringEqualsIfExists: { 'aws:RequestTag/eks:eks-cluster-name': 'sandbox' },
          'ForAllValues:StringEquals': {
            'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'],
          },
        },
      },
      {
        Sid: 'AllowScopedDeletion',
        Effect: 'Allow',
        Action: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
        Resource: [ec2('instance/*'), ec2('launch-template/*')],
        Condition: {
          StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/sandbox': 'owned' },
          StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
        },
      },
    ]);
  });

  test("GIVEN the iam policy THEN PassRole is the node role to EC2 only and instance profiles live under Karpenter's path for this cluster", () => {
    expect(statement('AllowPassingInstanceRole')).toEqual({
      Sid: 'AllowPassingInstanceRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: ref('aws_iam_role', 'NodeRole', 'arn'),
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
    const profiles = `arn:aws:iam::${ACCOUNT}:instance-profile/karpenter/eu-west-2/sandbox/*`;
    expect(statement('AllowScopedInstanceProfileCreationActions')).toEqual({
      Sid: 'AllowScopedInstanceProfileCreationActions',
      Effect: 'Allow',
      Action: 'iam:CreateInstanceProfile',
      Resource: profiles,
      Condition: {
        StringEquals: {
          'aws:RequestTag/kubernetes.io/cluster/sandbox': 'owned',
          'aws:RequestTag/eks:eks-cluster-name': 'sandbox',
          'aws:RequestTag/topology.kubernetes.io/region': 'eu-west-2',
        },
        StringLike: { 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    });
    for (const sid of [
      'AllowScopedInstanceProfileTagActions',
      'AllowScopedInstanceProfileActions',
      'AllowInstanceProfileReadActions',
    ])
      expect(statement(sid)?.Resource).toBe(profiles);
    expect(statement('AllowScopedInstanceProfileActions')?.Action).toEqual([
      'iam:AddRoleToInstanceProfile',
      'iam:RemoveRoleFromInstanceProfile',
      'iam:DeleteInstanceProfile',
    ]);
    expect(statement('AllowUnscopedInstanceProfileListAction')).toEqual({
      Sid: 'AllowUnscopedInstanceProfileListAction',
      Effect: 'Allow',
      Action: 'iam:ListInstanceProfiles',
      Resource: '*',
      Condition: {
        StringEquals: {
          'aws:PrincipalTag/eks-cluster-name': 'sandbox',
          'aws:PrincipalTag/kubernetes-namespace': 'kube-system',
          'aws:PrincipalTag/kubernetes-service-account': 'karpenter',
        },
      },
    });
  });

  test('GIVEN the discovery, eks, interruption and volumes policies THEN each is limited to its region, cluster, queue or key', () => {
    const principal = {
      'aws:PrincipalTag/eks-cluster-name': 'sandbox',
      'aws:PrincipalTag/kubernetes-namespace': 'kube-system',
      'aws:PrincipalTag/kubernetes-service-account': 'karpenter',
    };
    expect(policies.discovery).toEqual([
      {
        Sid: 'AllowRegionalReadActions',
        Effect: 'Allow',
        Action: [
          'ec2:DescribeImages',
          'ec2:DescribeInstances',
          'ec2:DescribeInstanceStatus',
          'ec2:DescribeInstanceTypeOfferings',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplates',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSpotPriceHistory',
          'ec2:DescribeSubnets',
        ],
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-2', ...principal } },
      },
      {
        Sid: 'AllowSSMReadActions',
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: 'arn:aws:ssm:eu-west-2::parameter/aws/service/eks/optimized-ami/*',
      },
      {
        Sid: 'AllowPricingReadActions',
        Effect: 'Allow',
        Action: 'pricing:GetProducts',
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-central-1', ...principal } },
      },
    ]);
    expect(policies.eks).toEqual([
      {
        Sid: 'AllowAPIServerEndpointDiscovery',
        Effect: 'Allow',
        Action: 'eks:DescribeCluster',
        Resource: `arn:aws:eks:eu-west-2:${ACCOUNT}:cluster/sandbox`,
      },
    ]);
    expect(policies.interruption).toEqual([
      {
        Sid: 'AllowInterruptionQueueActions',
        Effect: 'Allow',
        Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
        Resource: queueArn,
      },
    ]);
    const key = ref('aws_kms_key', 'VolumeKey', 'arn');
    expect(policies.volumes).toEqual([
      {
        Sid: 'AllowVolumeKeyUseThroughEC2',
        Effect: 'Allow',
        Action: [
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
        ],
        Resource: key,
        Condition: { StringEquals: { 'kms:ViaService': 'ec2.eu-west-2.amazonaws.com' } },
      },
      {
        Sid: 'AllowVolumeKeyGrantsForEC2',
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Resource: key,
        Condition: {
          StringEquals: { 'kms:ViaService': 'ec2.eu-west-2.amazonaws.com' },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      },
    ]);
    expect(one(json, 'aws_kms_key', 'VolumeKey').enable_key_rotation).toBe(true);
  });

  test.each([
    ['eu-west-2', 'eu-central-1'],
    ['ap-southeast-2', 'ap-south-1'],
    ['cn-north-1', 'cn-northwest-1'],
    ['us-west-2', 'us-east-1'],
    ['ca-central-1', 'us-east-1'],
  ])(
    'GIVEN region %s THEN the Pricing API region is %s, as Karpenter picks it',
    (region, expected) => {
      expect(pricingRegion(region)).toBe(expected);
    },
  );

  test('GIVEN defaults THEN the interruption queue keeps messages 5 minutes, SSE on, and only our rules (and TLS) may use it', () => {
    const queue = one(json, 'aws_sqs_queue');
    expect(queue).toMatchObject({
      name: 'sandbox-karpenter',
      message_retention_seconds: 300,
      sqs_managed_sse_enabled: true,
    });
    const rules = Object.keys(resources(json, 'aws_cloudwatch_event_rule'))
      .sort()
      .map((id) => `\${aws_cloudwatch_event_rule.${id}.arn}`);
    const doc = policy(one(json, 'aws_sqs_queue_policy').policy);
    expect(one(json, 'aws_sqs_queue_policy').queue_url).toBe(
      ref('aws_sqs_queue', 'InterruptionQueue', 'url'),
    );
    expect(doc.Statement).toEqual([
      {
        Sid: 'EventBridgeFromOurRules',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': expect.arrayContaining(rules) } },
      },
      {
        Sid: 'SqsFromThisAccount',
        Effect: 'Allow',
        Principal: { Service: 'sqs.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      },
      {
        Sid: 'DenyHTTP',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:*',
        Resource: queueArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
    expect(doc.Statement[0].Condition.ArnEquals['aws:SourceArn']).toHaveLength(4);
  });

  test('GIVEN defaults THEN four EventBridge rules (health, spot, rebalance, state change) each target the queue', () => {
    const rules = Object.values(resources(json, 'aws_cloudwatch_event_rule'));
    expect(Object.fromEntries(rules.map((r) => [r.name, JSON.parse(r.event_pattern)]))).toEqual({
      'sandbox-karpenter-health': { source: ['aws.health'], 'detail-type': ['AWS Health Event'] },
      'sandbox-karpenter-spot': {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Spot Instance Interruption Warning'],
      },
      'sandbox-karpenter-rebalance': {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance Rebalance Recommendation'],
      },
      'sandbox-karpenter-state': {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
        detail: { state: ['stopping', 'stopped', 'shutting-down', 'terminated'] },
      },
    });
    expect(Object.keys(KARPENTER_INTERRUPTION_EVENTS)).toHaveLength(4);
    const targets = Object.values(resources(json, 'aws_cloudwatch_event_target'));
    expect(targets).toHaveLength(4);
    for (const t of targets) expect(t.arn).toBe(queueArn);
    expect(targets.map((t) => t.rule).sort()).toEqual(
      Object.keys(resources(json, 'aws_cloudwatch_event_rule'))
        .map((id) => `\${aws_cloudwatch_event_rule.${id}.name}`)
        .sort(),
    );
  });

  test('GIVEN defaults THEN the node role joins through an EC2_LINUX access entry, pulls images and reads only the mirror prefix', () => {
    const role = one(json, 'aws_iam_role', 'NodeRole');
    expect(role.name).toBe('sandbox-karpenter-node');
    expect(policy(role.assume_role_policy).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: ['sts:AssumeRole'] },
    ]);
    const managed = Object.values(resources(json, 'aws_iam_role_policy_attachment'))
      .filter((a) => a.role === ref('aws_iam_role', 'NodeRole', 'name'))
      .map((a) => a.policy_arn);
    expect(managed).toEqual([
      'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly',
    ]);
    expect(policy(one(json, 'aws_iam_role_policy', 'NodeMirrorRead').policy).Statement).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::mirror/gvisor/*' },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: 'arn:aws:kms:eu-west-2:123456789012:key/mirror',
      },
    ]);
    expect(one(json, 'aws_eks_access_entry')).toMatchObject({
      cluster_name: 'sandbox',
      principal_arn: ref('aws_iam_role', 'NodeRole', 'arn'),
      type: 'EC2_LINUX',
    });
  });

  test('GIVEN defaults THEN every private subnet and the node security group carry the discovery tag, never the cluster security group', () => {
    expect(KARPENTER_DISCOVERY_TAG).toBe('karpenter.sh/discovery');
    const tags = Object.values(resources(json, 'aws_ec2_tag'));
    expect(tags.map((t) => [t.resource_id, t.key, t.value]).sort()).toEqual([
      ['subnet-a', 'karpenter.sh/discovery', 'sandbox'],
      ['subnet-b', 'karpenter.sh/discovery', 'sandbox'],
    ]);
    const sg = one(json, 'aws_security_group');
    expect(sg.tags).toEqual({ 'karpenter.sh/discovery': 'sandbox' });
    expect(sg.vpc_id).toBe('vpc-1');
  });

  test('GIVEN defaults THEN the nodes are isolated as the managed gVisor pool: the kubelet from the control plane, the gateway port from each other; the cluster group admits them to the API server and DNS only', () => {
    const [sgId, sg] = Object.entries(resources(json, 'aws_security_group'))[0];
    expect(
      sg.ingress.map((r: Json) => [r.protocol, r.from_port, r.to_port, r.security_groups, r.self]),
    ).toEqual([
      ['tcp', 10250, 10250, ['sg-cluster'], null],
      ['tcp', 3128, 3128, null, true],
    ]);
    expect(
      Object.values(resources(json, 'aws_vpc_security_group_ingress_rule')).map((r) => [
        r.security_group_id,
        r.referenced_security_group_id,
        r.ip_protocol,
        r.from_port,
      ]),
    ).toEqual([
      ['sg-cluster', `\${aws_security_group.${sgId}.id}`, 'tcp', 443],
      ['sg-cluster', `\${aws_security_group.${sgId}.id}`, 'tcp', 53],
      ['sg-cluster', `\${aws_security_group.${sgId}.id}`, 'udp', 53],
    ]);
  });

  test('GIVEN subnetIds, namespace and serviceAccount THEN they replace the defaults everywhere they are used', () => {
    const custom = synthController({
      subnetIds: ['subnet-x'],
      namespace: 'karpenter',
      serviceAccount: 'controller',
    });
    expect(
      Object.values(resources(custom, 'aws_ec2_tag'))
        .map((t) => t.resource_id)
        .sort(),
    ).toEqual(['subnet-x']);
    expect(one(custom, 'aws_eks_pod_identity_association')).toMatchObject({
      namespace: 'karpenter',
      service_account: 'controller',
    });
    expect(
      policy(one(custom, 'aws_iam_role', 'Karpenter_Role').assume_role_policy).Statement[0]
        .Condition.StringEquals,
    ).toEqual({
      'aws:RequestTag/eks-cluster-name': 'sandbox',
      'aws:RequestTag/kubernetes-namespace': 'karpenter',
      'aws:RequestTag/kubernetes-service-account': 'controller',
    });
  });

  test('GIVEN a SandboxVpc and SandboxCluster THEN it synthesizes with their references and passes the rule pack', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    new AwsProvider(stack, 'aws', { region: 'eu-west-2' });
    const vpc = new SandboxVpc(stack, 'Vpc', {
      name: 'sbx',
      region: 'eu-west-2',
      cidr: '10.40.0.0/16',
      availabilityZones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
    });
    const cluster = new SandboxCluster(stack, 'Cluster', {
      name: 'sbx',
      region: 'eu-west-2',
      network: vpc,
    });
    const controller = new KarpenterController(stack, 'Karpenter', {
      ...base,
      cluster,
      network: vpc,
    });
    TerraformRulePackAspect.applyTo(stack);
    const synthesized = JSON.parse(Testing.synth(stack, true));
    // The three private subnets (never the cluster security group).
    expect(Object.values(resources(synthesized, 'aws_ec2_tag'))).toHaveLength(3);
    expect(one(synthesized, 'aws_eks_pod_identity_association').cluster_name).toMatch(
      /^\$\{aws_eks_cluster\./,
    );
    expect(controller.discoveryTagValue).toBe(cluster.clusterName);
  });

  test.each<[string, Partial<KarpenterControllerProps>, RegExp]>([
    ['a bad region', { region: 'europe' }, /region 'europe' is not an AWS region/],
    [
      'a mirror that is not S3',
      { mirror: 'https://example.com/runsc' },
      /mirror 'https:\/\/example.com\/runsc' is not an S3 location; use s3:\/\/<bucket>\/<prefix>/,
    ],
    ['no subnets', { subnetIds: [] }, /subnetIds must list at least 1 subnets, got 0/],
    [
      'an invalid namespace',
      { namespace: 'Kube_System' },
      /namespace 'Kube_System' is not a valid name/,
    ],
    [
      'an invalid service account',
      { serviceAccount: 'karpenter.' },
      /serviceAccount 'karpenter.' is not a valid name/,
    ],
  ])(
    'GIVEN %s THEN it fails with a ValidationError naming the field and the fix',
    (_, props, message) => {
      expectError(props, message);
    },
  );

  test('GIVEN a subnet list that is one Terraform reference THEN it fails: each subnet must be tagged', () => {
    const subnets = Token.asList({ resolve: () => ['subnet-a'], creationStack: [] } as IResolvable);
    expect(Token.isUnresolved(subnets)).toBe(true);
    expectError({ subnetIds: subnets }, /subnetIds is a single Terraform list reference/);
  });
});
