import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { Ec2Tag } from '@cdktf/provider-aws/lib/ec2-tag';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { checkDnsLabel } from '../shared/validation';
import { KARPENTER_DISCOVERY_TAG } from '../shared/node-capacity';
import { CustomerKey } from './customer-key';
import { partitionOf, serviceRole } from './iam';
import { admitSandboxNodes, sandboxNodeIngress } from './sandbox-node-isolation';
import { IEncryptedBucket, ISandboxCluster, ISandboxNetwork } from './references';
import { check, checkAtLeast, checkRegion } from './validation';

/** Properties for {@link KarpenterController}. */
export interface KarpenterControllerProps {
  /** The cluster Karpenter runs in and adds nodes to: a `SandboxCluster`, or `{ clusterName, clusterSecurityGroupId }`. */
  readonly cluster: ISandboxCluster;
  /** The cluster's network: a `SandboxVpc`, or `{ vpcId, privateSubnetIds }`. */
  readonly network: ISandboxNetwork;
  /**
   * The AWS region of the cluster (`eu-west-2`): the controller's EC2 and SSM reads are limited to
   * it, and its Pricing API region is derived from it as Karpenter does.
   */
  readonly region: string;
  /**
   * The runsc mirror and its key, an `ArtifactStore` or `{ bucketArn, keyArn }`: Karpenter's nodes
   * may read objects under `mirror`'s prefix from it and decrypt with its key, nothing else (as
   * the managed gVisor pool's nodes).
   */
  readonly mirrorStore: IEncryptedBucket;
  /** `s3://bucket/prefix` the nodes install runsc from (the same value as the pool's `mirror`). */
  readonly mirror: string;
  /**
   * Subnets Karpenter may launch nodes in (they get the discovery tag): at least one.
   *
   * @default - every private subnet of `network`
   */
  readonly subnetIds?: string[];
  /**
   * Namespace of the Karpenter controller's service account (Pod Identity association).
   *
   * @default 'kube-system'
   */
  readonly namespace?: string;
  /**
   * Name of the Karpenter controller's service account (Pod Identity association).
   *
   * @default 'karpenter'
   */
  readonly serviceAccount?: string;
}

/**
 * The EventBridge rules that feed the interruption queue: id → event pattern. The detail types are
 * those Karpenter v1.15's interruption controller parses (pkg/controllers/interruption/messages),
 * but for capacity reservation interruptions: the pool uses no capacity reservations.
 */
export const KARPENTER_INTERRUPTION_EVENTS: Record<string, object> = {
  ScheduledChange: { source: ['aws.health'], 'detail-type': ['AWS Health Event'] },
  SpotInterruption: {
    source: ['aws.ec2'],
    'detail-type': ['EC2 Spot Instance Interruption Warning'],
  },
  Rebalance: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
  // Only the states Karpenter's state-change parser acts on (v1.15: statechange/parser.go).
  InstanceStateChange: {
    source: ['aws.ec2'],
    'detail-type': ['EC2 Instance State-change Notification'],
    detail: { state: ['stopping', 'stopped', 'shutting-down', 'terminated'] },
  },
};

const RULE_NAMES: Record<string, string> = {
  ScheduledChange: 'health',
  SpotInterruption: 'spot',
  Rebalance: 'rebalance',
  InstanceStateChange: 'state',
};

/** The region Karpenter calls the Pricing API in for `region` (pkg/providers/pricing/pricing.go). */
export function pricingRegion(region: string): string {
  if (region.startsWith('ap-')) return 'ap-south-1';
  if (region.startsWith('cn-')) return 'cn-northwest-1';
  if (region.startsWith('eu-')) return 'eu-central-1';
  return 'us-east-1';
}

/**
 * What the Karpenter controller needs on the AWS side, for a `KarpenterGvisorPool` (cdk8s) to
 * launch gVisor nodes: its IAM role (EKS Pod Identity, least privilege scoped by the cluster's
 * tags, following Karpenter's reference policy), the SQS interruption queue and the EventBridge
 * rules that feed it, the node role with its EKS access entry (EC2_LINUX), a customer key for the
 * nodes' volumes, a node security group, and the discovery tag on subnets and security groups the
 * NodeClass selects. Installing the controller itself (its Helm chart) is not part of it.
 */
export class KarpenterController extends Construct {
  /** The controller's role (trusted by EKS Pod Identity for `namespace`/`serviceAccount` only). */
  public readonly role: IamRole;
  /** The controller's policies, by name suffix: node-lifecycle, iam, eks, interruption, discovery, volumes. */
  public readonly policies: Record<string, IamPolicy>;
  public readonly podIdentity: EksPodIdentityAssociation;
  /** The nodes' role: its name goes into the EC2NodeClass (`KarpenterGvisorPool` `nodeRole`). */
  public readonly nodeRole: IamRole;
  public readonly nodeAccessEntry: EksAccessEntry;
  /** The interruption queue: its name goes into the Helm chart (`settings.interruptionQueue`). */
  public readonly queue: SqsQueue;
  public readonly rules: Record<string, CloudwatchEventRule>;
  /** The customer key of the nodes' volumes: its ARN goes into the EC2NodeClass (`volumeKmsKeyArn`). */
  public readonly volumeKey: CustomerKey;
  /** The nodes' own security group (also tagged for discovery, beside the cluster security group). */
  public readonly securityGroup: SecurityGroup;
  /** The value of {@link KARPENTER_DISCOVERY_TAG} on subnets and security groups: the cluster name. */
  public readonly discoveryTagValue: string;
  public readonly namespace: string;
  public readonly serviceAccount: string;
  public readonly subnetIds: string[];

  constructor(scope: Construct, id: string, props: KarpenterControllerProps) {
    super(scope, id);
    const cluster = props.cluster.clusterName;
    this.namespace = props.namespace ?? 'kube-system';
    this.serviceAccount = props.serviceAccount ?? 'karpenter';
    this.subnetIds = props.subnetIds ?? props.network.privateSubnetIds;
    this.discoveryTagValue = cluster;
    check(this, checkRegion('region', props.region));
    check(this, checkDnsLabel('namespace', this.namespace));
    check(this, checkDnsLabel('serviceAccount', this.serviceAccount));
    check(
      this,
      checkAtLeast(
        props.subnetIds ? 'subnetIds' : 'network.privateSubnetIds',
        this.subnetIds,
        1,
        'subnets',
      ),
    );
    if (Token.isUnresolved(this.subnetIds)) {
      check(
        this,
        'subnetIds is a single Terraform list reference; pass a list of subnet ids ' +
          '(e.g. SandboxVpc.privateSubnetIds) so each subnet can be tagged for discovery',
      );
    }
    const mirror = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^\s']*)?$/.exec(props.mirror);
    if (!mirror) {
      check(
        this,
        `mirror '${props.mirror}' is not an S3 location; use s3://<bucket>/<prefix>, e.g. s3://my-runsc-mirror/gvisor`,
      );
    }
    const mirrorPath = (mirror?.[2] ?? '').replace(/^\/+|\/+$/g, '');

    const partition = partitionOf(this);
    const region = props.region;
    const account = new DataAwsCallerIdentity(this, 'Account').accountId;
    const arn = (service: string, resource: string, withAccount = true) =>
      `arn:${partition}:${service}:${region}:${withAccount ? account : ''}:${resource}`;

    // Nodes: their role (as the managed pool's, plus the mirror), their access entry, their key,
    // their security group; subnets and security groups tagged for the NodeClass.
    this.nodeRole = serviceRole(
      this,
      'NodeRole',
      `${cluster}-karpenter-node`,
      'ec2.amazonaws.com',
      ['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryPullOnly'],
    );
    new IamRolePolicy(this, 'NodeMirrorRead', {
      role: this.nodeRole.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: `${props.mirrorStore.bucketArn}/${mirrorPath ? `${mirrorPath}/` : ''}*`,
          },
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: props.mirrorStore.keyArn },
        ],
      }),
    });
    this.nodeAccessEntry = new EksAccessEntry(this, 'NodeAccessEntry', {
      clusterName: cluster,
      principalArn: this.nodeRole.arn,
      type: 'EC2_LINUX',
    });
    this.volumeKey = new CustomerKey(this, 'VolumeKey', { alias: `${cluster}-karpenter-volumes` });
    const discovery = { [KARPENTER_DISCOVERY_TAG]: cluster };
    this.securityGroup = new SecurityGroup(this, 'NodeSecurityGroup', {
      name: `${cluster}-karpenter-node`,
      description: `${cluster} Karpenter nodes: the kubelet from the control plane, listed ports from each other`,
      vpcId: props.network.vpcId,
      // As the managed gVisor pool: not in the cluster security group (sandbox-node-isolation.ts).
      ingress: sandboxNodeIngress(props.cluster.clusterSecurityGroupId),
      egress: [
        {
          description: 'to AWS APIs, the control plane and images',
          fromPort: 0,
          toPort: 0,
          protocol: '-1',
          cidrBlocks: ['0.0.0.0/0'],
        },
      ],
      tags: discovery,
    });
    // The cluster security group admits the nodes only to the API server and DNS; it is not tagged
    // for discovery, so Karpenter never attaches it to a node.
    admitSandboxNodes(
      this,
      props.cluster.clusterSecurityGroupId,
      this.securityGroup.id,
      `${cluster} Karpenter nodes`,
    );
    this.subnetIds.forEach((subnet, i) => {
      new Ec2Tag(this, `SubnetDiscovery${i}`, {
        resourceId: subnet,
        key: KARPENTER_DISCOVERY_TAG,
        value: cluster,
      });
    });

    // The interruption queue and the rules feeding it.
    this.queue = new SqsQueue(this, 'InterruptionQueue', {
      name: `${cluster}-karpenter`,
      messageRetentionSeconds: 300,
      sqsManagedSseEnabled: true,
    });
    this.rules = {};
    for (const [ruleId, pattern] of Object.entries(KARPENTER_INTERRUPTION_EVENTS)) {
      const rule = new CloudwatchEventRule(this, `${ruleId}Rule`, {
        // At most 64 characters: a 40-character cluster name leaves 24.
        name: `${cluster}-karpenter-${RULE_NAMES[ruleId] ?? ruleId.toLowerCase()}`,
        description: `Karpenter interruption handling (${cluster}): ${ruleId}`,
        eventPattern: JSON.stringify(pattern),
      });
      new CloudwatchEventTarget(this, `${ruleId}Target`, {
        rule: rule.name,
        arn: this.queue.arn,
        targetId: 'KarpenterInterruptionQueue',
      });
      this.rules[ruleId] = rule;
    }
    new SqsQueuePolicy(this, 'InterruptionQueuePolicy', {
      queueUrl: this.queue.url,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            // EventBridge delivers only for our rules (its documented confused-deputy guard).
            Sid: 'EventBridgeFromOurRules',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: this.queue.arn,
            Condition: {
              ArnEquals: { 'aws:SourceArn': Object.values(this.rules).map((r) => r.arn) },
            },
          },
          {
            // As in Karpenter's reference; only on behalf of this account.
            Sid: 'SqsFromThisAccount',
            Effect: 'Allow',
            Principal: { Service: 'sqs.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: this.queue.arn,
            Condition: { StringEquals: { 'aws:SourceAccount': account } },
          },
          {
            Sid: 'DenyHTTP',
            Effect: 'Deny',
            Principal: '*',
            Action: 'sqs:*',
            Resource: this.queue.arn,
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });

    // The controller's role: EKS Pod Identity, for our service account in our cluster only.
    const sessionTags = {
      'eks-cluster-name': cluster,
      'kubernetes-namespace': this.namespace,
      'kubernetes-service-account': this.serviceAccount,
    };
    const tagged = (prefix: string) =>
      Object.fromEntries(Object.entries(sessionTags).map(([k, v]) => [`${prefix}/${k}`, v]));
    this.role = new IamRole(this, 'Role', {
      name: `${cluster}-karpenter`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Condition: { StringEquals: tagged('aws:RequestTag') },
          },
        ],
      }),
    });
    this.policies = {};
    const statements = controllerStatements({
      cluster,
      region,
      partition,
      arn,
      account,
      nodeRoleArn: this.nodeRole.arn,
      queueArn: this.queue.arn,
      volumeKeyArn: this.volumeKey.arn,
      principal: tagged('aws:PrincipalTag'),
    });
    for (const [name, statementList] of Object.entries(statements)) {
      const policy = new IamPolicy(this, `Policy-${name}`, {
        name: `${cluster}-karpenter-${name}`,
        description: `Karpenter controller (${cluster}): ${name}`,
        policy: JSON.stringify({ Version: '2012-10-17', Statement: statementList }),
      });
      new IamRolePolicyAttachment(this, `PolicyAttachment-${name}`, {
        role: this.role.name,
        policyArn: policy.arn,
      });
      this.policies[name] = policy;
    }
    this.podIdentity = new EksPodIdentityAssociation(this, 'PodIdentity', {
      clusterName: cluster,
      namespace: this.namespace,
      serviceAccount: this.serviceAccount,
      roleArn: this.role.arn,
    });
  }
}

interface StatementContext {
  readonly cluster: string;
  readonly region: string;
  readonly partition: string;
  readonly account: string;
  readonly arn: (service: string, resource: string, withAccount?: boolean) => string;
  readonly nodeRoleArn: string;
  readonly queueArn: string;
  readonly volumeKeyArn: string;
  /** `aws:PrincipalTag/<session tag>` → value: the Karpenter pod's session in this cluster. */
  readonly principal: Record<string, string>;
}

/**
 * The controller's policy statements, grouped as Karpenter's reference CloudFormation groups them
 * (`KarpenterControllerPolicy`, getting started guide), narrowed to what v1.15 calls for an
 * EC2NodeClass with an `al2023@` alias, tag-selected subnets and security groups and no capacity
 * reservations or placement groups (its EC2 API interface, pkg/aws/sdk.go). Every `Resource: "*"`
 * is an action without resource-level permissions and carries conditions.
 */
function controllerStatements(c: StatementContext): Record<string, object[]> {
  const owned = `kubernetes.io/cluster/${c.cluster}`;
  const ec2 = (resource: string) => c.arn('ec2', resource);
  const taggedResources = [
    'fleet/*',
    'instance/*',
    'volume/*',
    'network-interface/*',
    'launch-template/*',
    'spot-instances-request/*',
  ].map(ec2);
  const profiles = `arn:${c.partition}:iam::${c.account}:instance-profile/karpenter/${c.region}/${c.cluster}/*`;
  return {
    'node-lifecycle': [
      {
        // The AMI (resolved from the al2023 alias through SSM) and its snapshots.
        Sid: 'AllowScopedEC2ImageAccess',
        Effect: 'Allow',
        Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
        Resource: [c.arn('ec2', 'image/*', false), c.arn('ec2', 'snapshot/*', false)],
      },
      {
        // Only subnets and security groups carrying the discovery tag of this cluster.
        Sid: 'AllowDiscoveredNetworkAccess',
        Effect: 'Allow',
        Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
        Resource: [ec2('subnet/*'), ec2('security-group/*')],
        Condition: { StringEquals: { [`aws:ResourceTag/${KARPENTER_DISCOVERY_TAG}`]: c.cluster } },
      },
      {
        // Launch templates Karpenter made for this cluster's NodePools.
        Sid: 'AllowScopedEC2LaunchTemplateAccessActions',
        Effect: 'Allow',
        Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
        Resource: ec2('launch-template/*'),
        Condition: {
          StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' },
          StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
        },
      },
      {
        // What a launch creates must be tagged as this cluster's and a NodePool's.
        Sid: 'AllowScopedEC2InstanceActionsWithTags',
        Effect: 'Allow',
        Action: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
        Resource: taggedResources,
        Condition: {
          StringEquals: {
            [`aws:RequestTag/${owned}`]: 'owned',
            'aws:RequestTag/eks:eks-cluster-name': c.cluster,
          },
          StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
        },
      },
      {
        // Tags only as part of those launches.
        Sid: 'AllowScopedResourceCreationTagging',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: taggedResources,
        Condition: {
          StringEquals: {
            [`aws:RequestTag/${owned}`]: 'owned',
            'aws:RequestTag/eks:eks-cluster-name': c.cluster,
            'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
          },
          StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
        },
      },
      {
        // Later tags on its own instances: the NodeClaim name, Name and the cluster name only.
        Sid: 'AllowScopedResourceTagging',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: ec2('instance/*'),
        Condition: {
          StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' },
          StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
          StringEqualsIfExists: { 'aws:RequestTag/eks:eks-cluster-name': c.cluster },
          'ForAllValues:StringEquals': {
            'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'],
          },
        },
      },
      {
        // Terminate and clean up only what it launched for this cluster.
        Sid: 'AllowScopedDeletion',
        Effect: 'Allow',
        Action: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
        Resource: [ec2('instance/*'), ec2('launch-template/*')],
        Condition: {
          StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' },
          StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
        },
      },
    ],
    iam: [
      {
        // The node role only, and only to EC2.
        Sid: 'AllowPassingInstanceRole',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: c.nodeRoleArn,
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
      {
        // Instance profiles under the path Karpenter v1.15 uses: /karpenter/<region>/<cluster>/<nodeclass uid>/.
        Sid: 'AllowScopedInstanceProfileCreationActions',
        Effect: 'Allow',
        Action: 'iam:CreateInstanceProfile',
        Resource: profiles,
        Condition: {
          StringEquals: {
            [`aws:RequestTag/${owned}`]: 'owned',
            'aws:RequestTag/eks:eks-cluster-name': c.cluster,
            'aws:RequestTag/topology.kubernetes.io/region': c.region,
          },
          StringLike: { 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
        },
      },
      {
        Sid: 'AllowScopedInstanceProfileTagActions',
        Effect: 'Allow',
        Action: 'iam:TagInstanceProfile',
        Resource: profiles,
        Condition: {
          StringEquals: {
            [`aws:ResourceTag/${owned}`]: 'owned',
            'aws:ResourceTag/topology.kubernetes.io/region': c.region,
            [`aws:RequestTag/${owned}`]: 'owned',
            'aws:RequestTag/eks:eks-cluster-name': c.cluster,
            'aws:RequestTag/topology.kubernetes.io/region': c.region,
          },
          StringLike: {
            'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*',
            'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*',
          },
        },
      },
      {
        Sid: 'AllowScopedInstanceProfileActions',
        Effect: 'Allow',
        Action: [
          'iam:AddRoleToInstanceProfile',
          'iam:RemoveRoleFromInstanceProfile',
          'iam:DeleteInstanceProfile',
        ],
        Resource: profiles,
        Condition: {
          StringEquals: {
            [`aws:ResourceTag/${owned}`]: 'owned',
            'aws:ResourceTag/topology.kubernetes.io/region': c.region,
          },
          StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' },
        },
      },
      {
        Sid: 'AllowInstanceProfileReadActions',
        Effect: 'Allow',
        Action: 'iam:GetInstanceProfile',
        Resource: profiles,
      },
      {
        // Listing (for garbage collection of its profiles) has no resource-level permission.
        Sid: 'AllowUnscopedInstanceProfileListAction',
        Effect: 'Allow',
        Action: 'iam:ListInstanceProfiles',
        Resource: '*',
        Condition: { StringEquals: c.principal },
      },
    ],
    eks: [
      {
        // The API server endpoint and CA for the nodes' NodeConfig.
        Sid: 'AllowAPIServerEndpointDiscovery',
        Effect: 'Allow',
        Action: 'eks:DescribeCluster',
        Resource: c.arn('eks', `cluster/${c.cluster}`),
      },
    ],
    interruption: [
      {
        Sid: 'AllowInterruptionQueueActions',
        Effect: 'Allow',
        Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
        Resource: c.queueArn,
      },
    ],
    discovery: [
      {
        // Describe calls have no resource-level permissions: this region, this pod's session only.
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
        Condition: { StringEquals: { 'aws:RequestedRegion': c.region, ...c.principal } },
      },
      {
        // The EKS-optimized AMI ids Amazon publishes (the al2023 alias resolves through them).
        Sid: 'AllowSSMReadActions',
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: `arn:${c.partition}:ssm:${c.region}::parameter/aws/service/eks/optimized-ami/*`,
      },
      {
        // The Pricing API has no resource-level permissions; Karpenter calls it in one region.
        Sid: 'AllowPricingReadActions',
        Effect: 'Allow',
        Action: 'pricing:GetProducts',
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:RequestedRegion': pricingRegion(c.region), ...c.principal },
        },
      },
    ],
    volumes: [
      {
        // EC2 uses the volume key on the controller's behalf when it launches a node.
        Sid: 'AllowVolumeKeyUseThroughEC2',
        Effect: 'Allow',
        Action: [
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
        ],
        Resource: c.volumeKeyArn,
        Condition: { StringEquals: { 'kms:ViaService': `ec2.${c.region}.amazonaws.com` } },
      },
      {
        Sid: 'AllowVolumeKeyGrantsForEC2',
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Resource: c.volumeKeyArn,
        Condition: {
          StringEquals: { 'kms:ViaService': `ec2.${c.region}.amazonaws.com` },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      },
    ],
  };
}
