import { DataAwsKmsAlias } from '@cdktf/provider-aws/lib/data-aws-kms-alias';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { TerraformOutput, TerraformStack, dependable } from 'cdktf';
import { Construct } from 'constructs';
import { AdminAccess } from '../constructs/aws/admin-access';
import { ArtifactStore } from '../constructs/aws/artifact-store';
import { ImageRegistry } from '../constructs/aws/image-registry';
import { GvisorNodeGroup } from '../constructs/aws/gvisor-node-group';
import { KarpenterController } from '../constructs/aws/karpenter-controller';
import { SystemNodeGroup } from '../constructs/aws/system-node-group';
import { NetworkPolicyEnforcingMode, SandboxCluster } from '../constructs/aws/sandbox-cluster';
import { SandboxVpc } from '../constructs/aws/sandbox-vpc';
import { acknowledgeTerraformRule } from '../constructs/aws/rule-pack-aspect';
import { RUNSC_MIRROR_KEY_ALIAS } from './account-stack';
import { providerAndBackend } from './common';
import { Environment } from './config';

/**
 * One environment's platform: VPC, EKS, the system and gVisor pools, the artifact store and the
 * image registry, with state in S3 (native lock file). Applied after the account's AccountStack
 * (the runsc mirror, filled; the Auto Scaling service-linked role; GuardDuty): its plan reads the
 * mirror's key and contents and the service-linked role, and fails until they exist.
 */
export class PlatformStack extends TerraformStack {
  public readonly vpc: SandboxVpc;
  public readonly cluster: SandboxCluster;
  public readonly systemPool: SystemNodeGroup;
  /** The managed gVisor pool (`gvisorCapacity: 'managed'`). */
  public readonly gvisorPool?: GvisorNodeGroup;
  /** Karpenter's AWS side (`gvisorCapacity: 'karpenter'`). */
  public readonly karpenter?: KarpenterController;
  public readonly artifacts: ArtifactStore;
  public readonly registry: ImageRegistry;
  /** The Session Manager relay to the private endpoint (`adminAccess: 'ssm'`). */
  public readonly adminAccess?: AdminAccess;

  constructor(scope: Construct, id: string, env: Environment) {
    super(scope, id);
    // The environment's accepted findings, for the whole stack (the rule pack reads them at synth).
    for (const ack of env.acknowledgements) acknowledgeTerraformRule(this, ack.rule, ack.reason);
    providerAndBackend(this, env.region, env.name, env.state);

    this.vpc = new SandboxVpc(this, 'Network', {
      name: env.name,
      region: env.region,
      availabilityZones: env.availabilityZones,
      cidr: env.vpcCidr,
      fullyPrivate: env.fullyPrivate,
      singleNatGateway: env.singleNatGateway,
      singleZoneEndpoints: env.singleZoneEndpoints,
      ssmEndpoints: env.adminAccess === 'ssm' && env.fullyPrivate,
    });
    this.cluster = new SandboxCluster(this, 'Cluster', {
      name: env.clusterName,
      region: env.region,
      network: this.vpc,
      allowPublicEndpoint: env.allowPublicEndpoint,
      clusterAdmins: env.clusterAdmins,
      allowClusterDeletion: env.allowClusterDeletion,
      networkPolicyEnforcingMode:
        env.networkPolicyMode === 'standard'
          ? NetworkPolicyEnforcingMode.STANDARD
          : NetworkPolicyEnforcingMode.STRICT,
    });
    const poolBase = {
      cluster: this.cluster,
      network: this.vpc,
      tags: { 'eval-sandbox:environment': env.name, 'eval-sandbox:managed-by': 'cdktf' },
    };
    this.systemPool = new SystemNodeGroup(this, 'SystemPool', { ...poolBase, ...env.systemPool });
    this.artifacts = new ArtifactStore(this, 'Artifacts', { name: env.name });
    // The account's runsc mirror (AccountStack), by name: the plan fails until it exists.
    const mirrorKey = new DataAwsKmsAlias(this, 'RunscMirrorKey', {
      name: `alias/${RUNSC_MIRROR_KEY_ALIAS}`,
    });
    const partition = new DataAwsPartition(this, 'Partition');
    const mirrorStore = {
      bucketArn: `arn:${partition.partition}:s3:::${env.runsc.mirrorBucket}`,
      keyArn: mirrorKey.targetKeyArn,
    };
    if (env.gvisorCapacity === 'karpenter') {
      this.karpenter = new KarpenterController(this, 'Karpenter', {
        cluster: this.cluster,
        network: this.vpc,
        region: env.region,
        mirror: `s3://${env.runsc.mirrorBucket}/gvisor`,
        mirrorStore,
      });
    } else {
      this.gvisorPool = new GvisorNodeGroup(this, 'GvisorPool', {
        ...poolBase,
        ...env.gvisorPool,
        release: env.runsc.release,
        mirror: `s3://${env.runsc.mirrorBucket}/gvisor`,
        mirrorStore,
        runscSha512: env.runsc.runscSha512,
        shimSha512: env.runsc.shimSha512,
      });
    }
    // Nodes are NotReady without the CNI, and cannot use Pod Identity without its agent: the pools
    // wait for the add-ons that need no nodes to become active (they run as DaemonSets).
    for (const pool of [this.systemPool, ...(this.gvisorPool ? [this.gvisorPool] : [])])
      pool.nodeGroup.dependsOn = [
        ...(pool.nodeGroup.dependsOn ?? []),
        ...['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent'].map((name) =>
          dependable(this.cluster.addons[name]),
        ),
      ];
    // Add-ons that run pods become healthy only once nodes exist.
    for (const name of ['coredns', 'aws-ebs-csi-driver'])
      this.cluster.addons[name].dependsOn = [
        ...(this.cluster.addons[name].dependsOn ?? []),
        dependable(this.systemPool.nodeGroup),
      ];
    this.registry = new ImageRegistry(this, 'Registry', { name: env.name });
    if (env.adminAccess === 'ssm') {
      this.adminAccess = new AdminAccess(this, 'AdminAccess', {
        name: env.name,
        region: env.region,
        cluster: this.cluster,
        network: this.vpc,
      });
      new TerraformOutput(this, 'admin_relay_instance', { value: this.adminAccess.instance.id });
      new TerraformOutput(this, 'admin_port_forward_command', {
        value: this.adminAccess.portForwardCommand,
      });
    }

    // What a deployer needs after apply (docs/aws/deploy.md).
    new TerraformOutput(this, 'region', { value: env.region });
    new TerraformOutput(this, 'cluster_name', { value: this.cluster.cluster.name });
    new TerraformOutput(this, 'cluster_endpoint', { value: this.cluster.cluster.endpoint });
    new TerraformOutput(this, 'cluster_certificate_authority', {
      value: this.cluster.cluster.certificateAuthority.get(0).data,
    });
    new TerraformOutput(this, 'kubeconfig_command', {
      value: `aws eks update-kubeconfig --region ${env.region} --name ${this.cluster.cluster.name}`,
    });
    new TerraformOutput(this, 'private_subnet_ids', { value: this.vpc.privateSubnetIds });
    new TerraformOutput(this, 'system_node_role_arn', { value: this.systemPool.role.arn });
    if (this.gvisorPool)
      new TerraformOutput(this, 'gvisor_node_role_arn', { value: this.gvisorPool.role.arn });
    if (this.karpenter) {
      // What the platform chart's KarpenterGvisorPool and Karpenter's own chart need.
      new TerraformOutput(this, 'karpenter_node_role_name', {
        value: this.karpenter.nodeRole.name,
      });
      new TerraformOutput(this, 'karpenter_interruption_queue', {
        value: this.karpenter.queue.name,
      });
      new TerraformOutput(this, 'karpenter_volume_key_arn', {
        value: this.karpenter.volumeKey.arn,
      });
      new TerraformOutput(this, 'karpenter_controller_role_arn', {
        value: this.karpenter.role.arn,
      });
    }
    new TerraformOutput(this, 'artifact_bucket', { value: this.artifacts.bucket.bucket });
    new TerraformOutput(this, 'image_repository', {
      value: this.registry.repository.repositoryUrl,
    });
  }
}
