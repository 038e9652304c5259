/**
 * What `npm run synth` builds: the account stack (once per account and region: the runsc mirror,
 * the Auto Scaling service-linked role, GuardDuty) and the environments. Edit these, not the stacks. The runsc sums are printed
 * by scripts/aws/fill-runsc-mirror.sh; until they are set, gVisor nodes fail closed (they never
 * accept sandbox pods), and `prod` refuses to synthesize.
 */
export const ACCOUNT: Record<string, unknown> = {
  name: 'eval-sandbox',
  region: 'eu-west-2',
  runscMirrorBucket: 'eval-sandbox-runsc-mirror',
  autoScalingRoleExists: false,
  threatDetection: true,
  state: { bucket: 'eval-sandbox-terraform-state', key: 'account/eu-west-2.tfstate' },
};

/** The environments of the account, each its own stack and state. */
export const ENVIRONMENTS: Record<string, unknown> = {
  dev: {
    name: 'dev',
    region: 'eu-west-2',
    availabilityZones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
    vpcCidr: '10.40.0.0/16',
    fullyPrivate: false,
    // Cheaper, not zone-redundant: one NAT gateway, interface endpoints in one zone.
    singleNatGateway: true,
    singleZoneEndpoints: true,
    clusterName: 'eval-sandbox-dev',
    allowPublicEndpoint: [],
    // 'standard' only for a new cluster's first apply (docs/aws/deploy.md).
    networkPolicyMode: 'strict',
    clusterAdmins: [],
    // 'karpenter' for scale to zero and spot (docs/aws/karpenter.md).
    gvisorCapacity: 'managed',
    gvisorPool: {
      instanceTypes: ['m6i.2xlarge'],
      minSize: 1,
      desiredSize: 1,
      maxSize: 10,
      diskGib: 200,
    },
    systemPool: {
      instanceTypes: ['m6i.large'],
      minSize: 2,
      desiredSize: 2,
      maxSize: 3,
      diskGib: 50,
    },
    runsc: {
      mirrorBucket: 'eval-sandbox-runsc-mirror',
      release: '20251110',
      requireChecksums: false,
    },
    state: { bucket: 'eval-sandbox-terraform-state', key: 'dev/platform.tfstate' },
  },
  prod: {
    name: 'prod',
    region: 'eu-west-2',
    availabilityZones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
    vpcCidr: '10.41.0.0/16',
    fullyPrivate: true,
    clusterName: 'eval-sandbox-prod',
    allowPublicEndpoint: [],
    // 'standard' only for a new cluster's first apply (docs/aws/deploy.md).
    networkPolicyMode: 'strict',
    // Required in production: the IAM role(s) of the platform team (e.g.
    // 'arn:aws:iam::111122223333:role/platform-admin'); prod refuses to synthesize without one.
    clusterAdmins: [],
    production: true,
    // The only way in to a fully private cluster: Session Manager port forwarding (docs/aws/deploy.md).
    adminAccess: 'ssm',
    // 'karpenter' for scale to zero and spot (docs/aws/karpenter.md).
    gvisorCapacity: 'managed',
    gvisorPool: {
      instanceTypes: ['m7i.4xlarge', 'm6i.4xlarge'],
      minSize: 3,
      desiredSize: 3,
      maxSize: 50,
      diskGib: 300,
    },
    systemPool: {
      instanceTypes: ['m7i.large'],
      minSize: 3,
      desiredSize: 3,
      maxSize: 6,
      diskGib: 50,
    },
    runsc: {
      mirrorBucket: 'eval-sandbox-runsc-mirror',
      release: '20251110',
      requireChecksums: true,
    },
    state: { bucket: 'eval-sandbox-terraform-state', key: 'prod/platform.tfstate' },
  },
};

/** The environment `npm run synth` builds unless EVAL_SANDBOX_ENV names another. */
export const DEFAULT_ENVIRONMENT = 'dev';
