import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksAccessPolicyAssociation } from '@cdktf/provider-aws/lib/eks-access-policy-association';
import { EksAddon } from '@cdktf/provider-aws/lib/eks-addon';
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster';
import { Construct } from 'constructs';
import { KUBERNETES_MINOR } from '../shared/platform';
import { CustomerKey } from './customer-key';
import { ISandboxCluster, ISandboxNetwork } from './references';
import { partitionOf, serviceRole } from './iam';
import {
  check,
  checkAtLeast,
  checkName,
  checkPublicEndpointCidrs,
  checkRegion,
  checkRetention,
} from './validation';

/** Every EKS control-plane log type. */
export const CONTROL_PLANE_LOG_TYPES = [
  'api',
  'audit',
  'authenticator',
  'controllerManager',
  'scheduler',
];

/**
 * How the VPC CNI's policy agent treats a pod: `strict` denies every pod's traffic until a
 * NetworkPolicy allows it (also pods no policy selects, and a new pod before its policies are
 * programmed); `standard` leaves pods that no policy selects open.
 */
export enum NetworkPolicyEnforcingMode {
  /** Default deny for every pod, from its first packet. */
  STRICT = 'strict',
  /** Only pods a NetworkPolicy selects are restricted (Kubernetes' usual semantics). */
  STANDARD = 'standard',
}

/** The VPC CNI settings that make NetworkPolicies real: the policy agent, in `mode`. */
export function vpcCniConfiguration(mode: NetworkPolicyEnforcingMode): object {
  return {
    enableNetworkPolicy: 'true',
    nodeAgent: { enablePolicyEventLogs: 'true' },
    env: { NETWORK_POLICY_ENFORCING_MODE: mode },
  };
}

/** Properties for {@link SandboxCluster}. */
export interface SandboxClusterProps {
  /** The cluster name, prefix of its other resources: 1–40 lowercase letters, digits and '-'. */
  readonly name: string;
  /** The AWS region (`eu-west-2`). */
  readonly region: string;
  /**
   * The network: a `SandboxVpc`, or `{ vpcId, privateSubnetIds }` of an existing VPC. The control
   * plane's interfaces go in its private subnets: at least two (two zones).
   */
  readonly network: ISandboxNetwork;
  /**
   * CIDRs allowed to reach a public API endpoint: network addresses, none broader than a /8
   * (`0.0.0.0/0`, `::/0` and every other prefix under /8 are refused). Costs: the control plane is
   * reachable from the internet (to those CIDRs); leaked credentials work from there.
   *
   * @default - none: private endpoint only
   */
  readonly allowPublicEndpoint?: string[];
  /**
   * IAM role ARNs given cluster-admin through access entries.
   *
   * @default - none (the creator gets no admin rights either)
   */
  readonly clusterAdmins?: string[];
  /**
   * Let `terraform destroy` (or a replacement) delete the cluster. Costs: one mistaken plan can
   * remove every running evaluation and its audit trail.
   *
   * @default false (EKS deletion protection on)
   */
  readonly allowClusterDeletion?: boolean;
  /**
   * Days the control-plane logs are kept (at least 365).
   *
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * The VPC CNI's NetworkPolicy enforcement. `STANDARD` is for the first apply of a new cluster
   * only: in strict mode nothing in kube-system may talk until the platform chart's kube-system
   * baseline is applied, so CoreDNS and the EBS CSI controller never become healthy and the apply
   * times out. Costs while standard: pods in namespaces without a policy are unrestricted, and a
   * new pod may send packets before its policies are programmed. Apply the platform chart, then
   * set it back (docs/aws/deploy.md).
   *
   * @default NetworkPolicyEnforcingMode.STRICT
   */
  readonly networkPolicyEnforcingMode?: NetworkPolicyEnforcingMode;
}

/**
 * EKS at the platform's target minor: private endpoint only, Secrets envelope-encrypted with a
 * rotating customer key, all five control-plane log types to a KMS-encrypted log group kept a year,
 * authentication mode `API` with access entries and no creator admin, and the add-ons
 * (VPC CNI with network policy enforcement in strict mode, CoreDNS, kube-proxy, Pod Identity agent,
 * EBS CSI driver with its own Pod Identity role).
 */
export class SandboxCluster extends Construct implements ISandboxCluster {
  public readonly cluster: EksCluster;
  /** The cluster name, as a reference (node pools created with it wait for the cluster). */
  public readonly clusterName: string;
  /** The security group EKS created for the cluster. */
  public readonly clusterSecurityGroupId: string;
  /** The network the cluster runs in (its node pools' default). */
  public readonly network: ISandboxNetwork;
  public readonly secretsKey: CustomerKey;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly addons: Record<string, EksAddon>;
  public readonly publicAccessCidrs: string[];
  /** The VPC CNI add-on's configuration values, as set. */
  public readonly vpcCni: object;

  constructor(scope: Construct, id: string, props: SandboxClusterProps) {
    super(scope, id);
    this.publicAccessCidrs = props.allowPublicEndpoint ?? [];
    this.vpcCni = vpcCniConfiguration(
      props.networkPolicyEnforcingMode ?? NetworkPolicyEnforcingMode.STRICT,
    );
    const retention = props.logRetentionDays ?? 365;
    check(this, checkName('name', props.name));
    check(this, checkRegion('region', props.region));
    this.network = props.network;
    check(
      this,
      checkAtLeast(
        'network.privateSubnetIds',
        props.network.privateSubnetIds,
        2,
        'subnets (EKS needs two zones)',
      ),
    );
    check(this, checkPublicEndpointCidrs('allowPublicEndpoint', this.publicAccessCidrs));
    check(this, checkRetention('logRetentionDays', retention, 365));

    this.secretsKey = new CustomerKey(this, 'SecretsKey', { alias: `${props.name}-eks-secrets` });
    // EKS writes to this exact name; creating it first sets retention and encryption.
    const logGroupName = `/aws/eks/${props.name}/cluster`;
    const logKey = new CustomerKey(this, 'LogKey', {
      alias: `${props.name}-eks-logs`,
      cloudWatchLogs: { region: props.region, logGroupNames: [logGroupName] },
    });
    this.logGroup = new CloudwatchLogGroup(this, 'ControlPlaneLogs', {
      name: logGroupName,
      retentionInDays: retention,
      kmsKeyId: logKey.arn,
    });

    const role = serviceRole(
      this,
      'ClusterRole',
      `${props.name}-cluster`,
      'eks.amazonaws.com',
      ['AmazonEKSClusterPolicy'],
      ['sts:AssumeRole', 'sts:TagSession'],
    );

    this.cluster = new EksCluster(this, 'Resource', {
      name: props.name,
      version: KUBERNETES_MINOR,
      roleArn: role.arn,
      vpcConfig: {
        subnetIds: props.network.privateSubnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: this.publicAccessCidrs.length > 0,
        ...(this.publicAccessCidrs.length > 0 ? { publicAccessCidrs: this.publicAccessCidrs } : {}),
      },
      enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: this.secretsKey.arn } },
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
      upgradePolicy: { supportType: 'STANDARD' },
      // The add-ons below are managed; without this EKS would also install unmanaged copies first
      // (a VPC CNI without network policy enforcement among them).
      bootstrapSelfManagedAddons: false,
      deletionProtection: !(props.allowClusterDeletion ?? false),
      dependsOn: [this.logGroup],
    });

    this.clusterName = this.cluster.name;
    this.clusterSecurityGroupId = this.cluster.vpcConfig.clusterSecurityGroupId;

    const partition = partitionOf(this);
    (props.clusterAdmins ?? []).forEach((arn, i) => {
      const entry = new EksAccessEntry(this, `Admin${i}`, {
        clusterName: this.cluster.name,
        principalArn: arn,
        type: 'STANDARD',
      });
      new EksAccessPolicyAssociation(this, `AdminPolicy${i}`, {
        clusterName: this.cluster.name,
        principalArn: entry.principalArn,
        policyArn: `arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
        accessScope: { type: 'cluster' },
      });
    });

    const podIdentityRole = (roleId: string, name: string, policy: string) =>
      serviceRole(
        this,
        roleId,
        `${props.name}-${name}`,
        'pods.eks.amazonaws.com',
        [policy],
        ['sts:AssumeRole', 'sts:TagSession'],
      );
    const cniRole = podIdentityRole('VpcCniRole', 'vpc-cni', 'AmazonEKS_CNI_Policy');
    const ebsRole = podIdentityRole(
      'EbsCsiRole',
      'ebs-csi',
      'service-role/AmazonEBSCSIDriverPolicy',
    );

    const addon = (
      addonId: string,
      name: string,
      extra: Partial<ConstructorParameters<typeof EksAddon>[2]> = {},
    ) =>
      new EksAddon(this, addonId, {
        clusterName: this.cluster.name,
        addonName: name,
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'OVERWRITE',
        ...extra,
      });
    const podIdentityAgent = addon('PodIdentityAgent', 'eks-pod-identity-agent');
    this.addons = {
      'eks-pod-identity-agent': podIdentityAgent,
      'vpc-cni': addon('VpcCni', 'vpc-cni', {
        configurationValues: JSON.stringify(this.vpcCni),
        podIdentityAssociation: [{ roleArn: cniRole.arn, serviceAccount: 'aws-node' }],
        dependsOn: [podIdentityAgent],
      }),
      'kube-proxy': addon('KubeProxy', 'kube-proxy'),
      coredns: addon('CoreDns', 'coredns'),
      'aws-ebs-csi-driver': addon('EbsCsi', 'aws-ebs-csi-driver', {
        podIdentityAssociation: [{ roleArn: ebsRole.arn, serviceAccount: 'ebs-csi-controller-sa' }],
        dependsOn: [podIdentityAgent],
      }),
    };
  }
}
