import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import {
  SANDBOX_NODE_LABEL,
  SANDBOX_NODE_LABEL_VALUE,
  SANDBOX_NODE_TAINT_KEY,
  SANDBOX_NODE_TAINT_VALUE,
} from '../shared/labels';
import { CustomerKey } from './customer-key';
import { GvisorBootstrapOptions, userData } from './gvisor-bootstrap';
import { serviceRole } from './iam';

/** Properties shared by both pools. */
export interface NodePoolProps {
  readonly clusterName: string;
  /** The cluster's own security group (EKS creates it). */
  readonly clusterSecurityGroupId: string;
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly instanceTypes: string[];
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  /**
   * Root volume size.
   *
   * @default 100
   */
  readonly diskGib?: number;
}

/** What a locked-down launch template and its node group are made of. */
interface PoolParts {
  readonly launchTemplate: LaunchTemplate;
  readonly nodeGroup: EksNodeGroup;
  readonly securityGroup: SecurityGroup;
  readonly volumeKey: CustomerKey;
  readonly role: IamRole;
}

/**
 * A managed node group on AL2023 with its own launch template: IMDSv2 required with hop limit 1
 * (pods cannot reach the node role through the metadata service), an encrypted gp3 root volume with
 * a customer key, no SSH key, its own security group, private subnets.
 */
function pool(
  scope: Construct,
  name: string,
  props: NodePoolProps,
  extra: {
    userData?: string;
    labels?: Record<string, string>;
    taints?: { key: string; value: string; effect: string }[];
  },
): PoolParts {
  const volumeKey = new CustomerKey(scope, 'VolumeKey', {
    alias: `${name}-volumes`,
    allowAutoScaling: true,
  });
  const securityGroup = new SecurityGroup(scope, 'SecurityGroup', {
    name,
    description: `${name} nodes: from the control plane and each other only`,
    vpcId: props.vpcId,
    ingress: [
      {
        description: 'from the cluster security group',
        fromPort: 0,
        toPort: 0,
        protocol: '-1',
        securityGroups: [props.clusterSecurityGroupId],
      },
      {
        description: 'from nodes of this pool',
        fromPort: 0,
        toPort: 0,
        protocol: '-1',
        selfAttribute: true,
      },
    ],
    egress: [
      {
        description: 'to AWS APIs, the control plane and images',
        fromPort: 0,
        toPort: 0,
        protocol: '-1',
        cidrBlocks: ['0.0.0.0/0'],
      },
    ],
  });
  const launchTemplate = new LaunchTemplate(scope, 'LaunchTemplate', {
    name,
    updateDefaultVersion: true,
    metadataOptions: {
      httpEndpoint: 'enabled',
      httpTokens: 'required',
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: 'disabled',
    },
    blockDeviceMappings: [
      {
        deviceName: '/dev/xvda',
        ebs: {
          volumeSize: props.diskGib ?? 100,
          volumeType: 'gp3',
          encrypted: 'true',
          kmsKeyId: volumeKey.arn,
          deleteOnTermination: 'true',
        },
      },
    ],
    vpcSecurityGroupIds: [securityGroup.id, props.clusterSecurityGroupId],
    monitoring: { enabled: true },
    ...(extra.userData ? { userData: Buffer.from(extra.userData, 'utf8').toString('base64') } : {}),
    tagSpecifications: [{ resourceType: 'instance', tags: { Name: name } }],
  });
  const role = serviceRole(scope, 'NodeRole', name, 'ec2.amazonaws.com', [
    'AmazonEKSWorkerNodePolicy',
    'AmazonEC2ContainerRegistryPullOnly',
  ]);
  const nodeGroup = new EksNodeGroup(scope, 'Resource', {
    clusterName: props.clusterName,
    nodeGroupName: name,
    nodeRoleArn: role.arn,
    subnetIds: props.subnetIds,
    amiType: 'AL2023_x86_64_STANDARD',
    capacityType: 'ON_DEMAND',
    instanceTypes: props.instanceTypes,
    scalingConfig: {
      minSize: props.minSize,
      desiredSize: props.desiredSize,
      maxSize: props.maxSize,
    },
    updateConfig: { maxUnavailable: 1 },
    launchTemplate: { id: launchTemplate.id, version: Fn.tostring(launchTemplate.latestVersion) },
    labels: extra.labels,
    taint: extra.taints,
    lifecycle: { ignoreChanges: ['scaling_config[0].desired_size'] },
  });
  return { launchTemplate, nodeGroup, securityGroup, volumeKey, role };
}

/** Properties for {@link GvisorNodeGroup}. */
export interface GvisorNodeGroupProps extends NodePoolProps, GvisorBootstrapOptions {
  /** The mirror bucket (nodes may read `gvisor/*` from it, nothing else). */
  readonly mirrorBucketArn: string;
  /** The mirror bucket's key (nodes may decrypt with it). */
  readonly mirrorKeyArn: string;
}

/**
 * The sandbox pool: tainted so only gVisor pods land there, labelled for the `gvisor`
 * RuntimeClass, and bootstrapped with a pinned, verified runsc (see gvisor-bootstrap.ts). Changes
 * here never touch the system pool.
 */
export class GvisorNodeGroup extends Construct {
  public readonly nodeGroup: EksNodeGroup;
  public readonly launchTemplate: LaunchTemplate;
  public readonly securityGroup: SecurityGroup;
  public readonly userData: string;

  constructor(scope: Construct, id: string, props: GvisorNodeGroupProps) {
    super(scope, id);
    this.userData = userData(props);
    const parts = pool(this, `${props.clusterName}-gvisor`, props, {
      userData: this.userData,
      labels: { [SANDBOX_NODE_LABEL]: SANDBOX_NODE_LABEL_VALUE },
      // EKS spells the shared NoSchedule effect NO_SCHEDULE.
      taints: [
        { key: SANDBOX_NODE_TAINT_KEY, value: SANDBOX_NODE_TAINT_VALUE, effect: 'NO_SCHEDULE' },
      ],
    });
    this.nodeGroup = parts.nodeGroup;
    this.launchTemplate = parts.launchTemplate;
    this.securityGroup = parts.securityGroup;
    new IamRolePolicy(this, 'MirrorRead', {
      role: parts.role.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: `${props.mirrorBucketArn}/gvisor/*`,
          },
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: props.mirrorKeyArn },
        ],
      }),
    });
  }
}

/** The small untainted pool for cluster add-ons (CoreDNS, controllers), so sandbox nodes never run them. */
export class SystemNodeGroup extends Construct {
  public readonly nodeGroup: EksNodeGroup;
  public readonly launchTemplate: LaunchTemplate;
  public readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: NodePoolProps) {
    super(scope, id);
    const parts = pool(this, `${props.clusterName}-system`, props, {
      labels: { 'eval-sandbox.io/pool': 'system' },
    });
    this.nodeGroup = parts.nodeGroup;
    this.launchTemplate = parts.launchTemplate;
    this.securityGroup = parts.securityGroup;
  }
}
