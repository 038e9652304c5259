// The managed node group both pools are made of (GvisorNodeGroup, SystemNodeGroup). Not exported
// from the package: the pools are.
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { CustomerKey } from './customer-key';
import { ISandboxCluster, ISandboxNetwork } from './references';
import { serviceRole } from './iam';
import { admitSandboxNodes, sandboxNodeIngress } from './sandbox-node-isolation';
import { check, checkAtLeast } from './validation';

/** Properties shared by both pools. */
export interface NodePoolProps {
  /** The cluster the nodes join: a `SandboxCluster`, or `{ clusterName, clusterSecurityGroupId }`. */
  readonly cluster: ISandboxCluster;
  /** The cluster's network: a `SandboxVpc`, or `{ vpcId, privateSubnetIds }`. */
  readonly network: ISandboxNetwork;
  /**
   * Subnets for the nodes, when not all of the network's private subnets: at least one.
   *
   * @default - every private subnet of `network`
   */
  readonly subnetIds?: string[];
  /** EC2 instance types: at least one. */
  readonly instanceTypes: string[];
  /** Fewest nodes: a whole number, 0 <= minSize <= desiredSize. */
  readonly minSize: number;
  /** Nodes at creation (later changes are left to whatever scales the group): minSize..maxSize. */
  readonly desiredSize: number;
  /** Most nodes: at least 1 and at least desiredSize. */
  readonly maxSize: number;
  /**
   * Tags for what the pool launches: instances, their volumes and network interfaces (the
   * provider's default tags reach the launch template, not what Auto Scaling launches from it), for
   * cost allocation. `Name` and `eval-sandbox:pool` are always set.
   *
   * @default - none besides `Name` and `eval-sandbox:pool`
   */
  readonly tags?: Record<string, string>;
  /**
   * Root volume size in GiB (20 to 16384).
   *
   * @default 100
   */
  readonly diskGib?: number;
}

/** What a locked-down launch template and its node group are made of. */
export interface PoolParts {
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
export function pool(
  scope: Construct,
  name: string,
  props: NodePoolProps,
  extra: {
    userData?: string;
    labels?: Record<string, string>;
    taints?: { key: string; value: string; effect: string }[];
    /**
     * A sandbox pool: left out of the cluster security group (which opens every port between the
     * control plane and all nodes), isolated as sandbox-node-isolation.ts says.
     */
    isolated?: boolean;
  },
): PoolParts {
  const subnetIds = props.subnetIds ?? props.network.privateSubnetIds;
  check(
    scope,
    checkAtLeast(
      props.subnetIds ? 'subnetIds' : 'network.privateSubnetIds',
      subnetIds,
      1,
      'subnets',
    ),
  );
  const clusterSecurityGroupId = props.cluster.clusterSecurityGroupId;
  check(scope, checkAtLeast('instanceTypes', props.instanceTypes, 1, 'instance types'));
  const { minSize, desiredSize, maxSize } = props;
  const whole = [minSize, desiredSize, maxSize].every((n) => Number.isInteger(n) && n >= 0);
  if (!whole || maxSize < 1 || minSize > desiredSize || desiredSize > maxSize) {
    check(
      scope,
      `minSize ${minSize}, desiredSize ${desiredSize}, maxSize ${maxSize}: use whole numbers with ` +
        `0 <= minSize <= desiredSize <= maxSize and maxSize >= 1`,
    );
  }
  const disk = props.diskGib ?? 100;
  if (!Number.isInteger(disk) || disk < 20 || disk > 16384) {
    check(
      scope,
      `diskGib ${disk}: use a whole number of GiB from 20 (AL2023's image) to 16384 (gp3)`,
    );
  }
  const volumeKey = new CustomerKey(scope, 'VolumeKey', {
    alias: `${name}-volumes`,
    allowAutoScaling: true,
  });
  const isolated = extra.isolated;
  const securityGroup = new SecurityGroup(scope, 'SecurityGroup', {
    name,
    description: isolated
      ? `${name} nodes: the kubelet from the control plane, listed ports from each other`
      : `${name} nodes: from the control plane and each other only`,
    vpcId: props.network.vpcId,
    ingress: isolated
      ? sandboxNodeIngress(clusterSecurityGroupId)
      : [
          {
            description: 'from the cluster security group',
            fromPort: 0,
            toPort: 0,
            protocol: '-1',
            securityGroups: [clusterSecurityGroupId],
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
  if (isolated) admitSandboxNodes(scope, clusterSecurityGroupId, securityGroup.id, `${name} nodes`);
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
          volumeSize: disk,
          volumeType: 'gp3',
          encrypted: 'true',
          kmsKeyId: volumeKey.arn,
          deleteOnTermination: 'true',
        },
      },
    ],
    vpcSecurityGroupIds: isolated ? [securityGroup.id] : [securityGroup.id, clusterSecurityGroupId],
    monitoring: { enabled: true },
    ...(extra.userData ? { userData: Buffer.from(extra.userData, 'utf8').toString('base64') } : {}),
    tagSpecifications: ['instance', 'volume', 'network-interface'].map((resourceType) => ({
      resourceType,
      tags: { ...props.tags, Name: name, 'eval-sandbox:pool': name },
    })),
  });
  const role = serviceRole(scope, 'NodeRole', name, 'ec2.amazonaws.com', [
    'AmazonEKSWorkerNodePolicy',
    'AmazonEC2ContainerRegistryPullOnly',
  ]);
  const nodeGroup = new EksNodeGroup(scope, 'Resource', {
    clusterName: props.cluster.clusterName,
    nodeGroupName: name,
    nodeRoleArn: role.arn,
    subnetIds,
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
    // A node must not boot before its role may join the cluster and pull images.
    dependsOn: scope.node.children.filter(
      (c): c is IamRolePolicyAttachment => c instanceof IamRolePolicyAttachment,
    ),
  });
  return { launchTemplate, nodeGroup, securityGroup, volumeKey, role };
}
