/**
 * The environments `npm run synth` builds. Edit these, not the stacks. The runsc sums are printed
 * by scripts/aws/fill-runsc-mirror.sh; until they are set, gVisor nodes fail closed (they never
 * accept sandbox pods), and `prod` refuses to synthesize.
 */
export const ENVIRONMENTS: Record<string, unknown> = {
  dev: {
    name: 'dev',
    region: 'eu-west-2',
    availabilityZones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
    vpcCidr: '10.40.0.0/16',
    fullyPrivate: false,
    clusterName: 'eval-sandbox-dev',
    allowPublicEndpoint: [],
    clusterAdmins: [],
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
      mirrorBucket: 'eval-sandbox-dev-runsc-mirror',
      release: '20251110',
      requireChecksums: false,
    },
    threatDetection: true,
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
    clusterAdmins: [],
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
      mirrorBucket: 'eval-sandbox-prod-runsc-mirror',
      release: '20251110',
      requireChecksums: true,
    },
    threatDetection: true,
    state: { bucket: 'eval-sandbox-terraform-state', key: 'prod/platform.tfstate' },
  },
};

/** The environment `npm run synth` builds unless EVAL_SANDBOX_ENV names another. */
export const DEFAULT_ENVIRONMENT = 'dev';
