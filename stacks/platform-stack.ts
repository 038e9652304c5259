import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Backend, TerraformOutput, TerraformStack, dependable } from 'cdktf';
import { Construct } from 'constructs';
import { ArtifactStore } from '../constructs/aws/artifact-store';
import { ImageRegistry } from '../constructs/aws/image-registry';
import { GvisorNodeGroup } from '../constructs/aws/gvisor-node-group';
import { SystemNodeGroup } from '../constructs/aws/system-node-group';
import { SandboxCluster } from '../constructs/aws/sandbox-cluster';
import { SandboxVpc } from '../constructs/aws/sandbox-vpc';
import { ThreatDetection } from '../constructs/aws/threat-detection';
import { acknowledgeTerraformRule } from '../constructs/aws/rule-pack-aspect';
import { Environment } from './config';

/**
 * One environment's platform: VPC, EKS, the system and gVisor pools, the artifact store, the image
 * registry and threat detection, with state in S3 (native lock file).
 */
export class PlatformStack extends TerraformStack {
  public readonly vpc: SandboxVpc;
  public readonly cluster: SandboxCluster;
  public readonly systemPool: SystemNodeGroup;
  public readonly gvisorPool: GvisorNodeGroup;
  public readonly artifacts: ArtifactStore;
  /** The private S3 mirror gVisor nodes install runsc from (filled by scripts/aws/fill-runsc-mirror.sh). */
  public readonly runscMirror: ArtifactStore;
  public readonly registry: ImageRegistry;
  public readonly threatDetection?: ThreatDetection;

  constructor(scope: Construct, id: string, env: Environment) {
    super(scope, id);
    // The environment's accepted findings, for the whole stack (the rule pack reads them at synth).
    for (const ack of env.acknowledgements) acknowledgeTerraformRule(this, ack.rule, ack.reason);
    new AwsProvider(this, 'aws', {
      region: env.region,
      defaultTags: [
        { tags: { 'eval-sandbox:environment': env.name, 'eval-sandbox:managed-by': 'cdktf' } },
      ],
    });
    // Bootstrapped once per account (see docs/aws/state-backend.md); synth does not need it to exist.
    const backend = new S3Backend(this, {
      bucket: env.state.bucket,
      key: env.state.key,
      region: env.region,
      encrypt: true,
    });
    // Terraform's native S3 lock file (no DynamoDB table); cdktf 0.21 has no typed field for it yet.
    backend.addOverride('use_lockfile', true);

    this.vpc = new SandboxVpc(this, 'Network', {
      name: env.name,
      region: env.region,
      availabilityZones: env.availabilityZones,
      cidr: env.vpcCidr,
      fullyPrivate: env.fullyPrivate,
    });
    this.cluster = new SandboxCluster(this, 'Cluster', {
      name: env.clusterName,
      region: env.region,
      network: this.vpc,
      allowPublicEndpoint: env.allowPublicEndpoint,
      clusterAdmins: env.clusterAdmins,
      allowClusterDeletion: env.allowClusterDeletion,
    });
    const poolBase = { cluster: this.cluster, network: this.vpc };
    this.systemPool = new SystemNodeGroup(this, 'SystemPool', { ...poolBase, ...env.systemPool });
    this.artifacts = new ArtifactStore(this, 'Artifacts', { name: env.name });
    this.runscMirror = new ArtifactStore(this, 'RunscMirror', {
      name: `${env.name}-runsc`,
      bucketName: env.runsc.mirrorBucket,
      expireAfterDays: 3650,
    });
    this.gvisorPool = new GvisorNodeGroup(this, 'GvisorPool', {
      ...poolBase,
      ...env.gvisorPool,
      release: env.runsc.release,
      mirror: `s3://${env.runsc.mirrorBucket}/gvisor`,
      mirrorStore: this.runscMirror,
      runscSha512: env.runsc.runscSha512,
      shimSha512: env.runsc.shimSha512,
    });
    // Nodes are NotReady without the CNI, and cannot use Pod Identity without its agent: the pools
    // wait for the add-ons that need no nodes to become active (they run as DaemonSets).
    for (const pool of [this.systemPool, this.gvisorPool])
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
    if (env.threatDetection) this.threatDetection = new ThreatDetection(this, 'ThreatDetection');

    new TerraformOutput(this, 'cluster_name', { value: this.cluster.cluster.name });
    new TerraformOutput(this, 'artifact_bucket', { value: this.artifacts.bucket.bucket });
    new TerraformOutput(this, 'image_repository', {
      value: this.registry.repository.repositoryUrl,
    });
    new TerraformOutput(this, 'runsc_mirror_bucket', { value: this.runscMirror.bucket.bucket });
  }
}
