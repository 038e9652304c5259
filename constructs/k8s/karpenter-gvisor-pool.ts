import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { GvisorBootstrapOptions, userData } from '../shared/gvisor-bootstrap';
import {
  SANDBOX_NODE_LABEL,
  SANDBOX_NODE_LABEL_VALUE,
  SANDBOX_NODE_TAINT_EFFECT,
  SANDBOX_NODE_TAINT_KEY,
  SANDBOX_NODE_TAINT_VALUE,
} from '../shared/labels';
import { KARPENTER_DISCOVERY_TAG, SANDBOX_INSTANCE_FAMILIES } from '../shared/node-capacity';
import { checkDnsLabel, checkLabelValue } from '../shared/validation';
import { check, standardLabels } from './internal';

/** The Karpenter release whose CRDs the NodePool and EC2NodeClass are validated against. */
export const KARPENTER_VERSION = 'v1.15.2';

/** Properties for {@link KarpenterGvisorPool}. */
export interface KarpenterGvisorPoolProps extends GvisorBootstrapOptions {
  /**
   * The EKS cluster name: the value of the discovery tag the default subnet and security group
   * selectors look for (`KarpenterController` sets it).
   */
  readonly clusterName: string;
  /** Name of the nodes' IAM role (`KarpenterController.nodeRole`); Karpenter makes its instance profile. */
  readonly nodeRole: string;
  /** ARN (or id) of the customer KMS key the nodes' root volumes are encrypted with (`KarpenterController.volumeKey`). */
  readonly volumeKmsKeyArn: string;
  /**
   * Name of the NodePool and of its EC2NodeClass.
   *
   * @default 'gvisor'
   */
  readonly name?: string;
  /**
   * The EKS-optimized AL2023 AMI release: `latest`, or a release such as `v20251120`
   * (`amiSelectorTerms: [{ alias: 'al2023@<amiVersion>' }]`). With `latest` every new AMI release
   * drifts the nodes, and Karpenter replaces them within the disruption budget.
   *
   * @default 'latest'
   */
  readonly amiVersion?: string;
  /**
   * Tags (all must match) of the subnets nodes may be launched in.
   *
   * @default - { 'karpenter.sh/discovery': clusterName }
   */
  readonly subnetSelectorTags?: Record<string, string>;
  /**
   * Tags (all must match) of the security groups nodes get.
   *
   * @default - { 'karpenter.sh/discovery': clusterName }
   */
  readonly securityGroupSelectorTags?: Record<string, string>;
  /**
   * EC2 instance families (`karpenter.k8s.aws/instance-family`): at least one, each one of
   * SANDBOX_INSTANCE_FAMILIES (x86_64 Nitro).
   *
   * @default SANDBOX_INSTANCE_FAMILIES
   */
  readonly instanceFamilies?: string[];
  /**
   * Launch on-demand instances only. Costs: spot's discount (often 60–70 %). Spot is allowed by
   * default because a sandbox run is disposable and Karpenter drains a node on its two-minute
   * interruption warning; an interrupted run fails and is retried like any other failed run.
   *
   * @default false - on-demand and spot
   */
  readonly onDemandOnly?: boolean;
  /**
   * Most vCPUs the pool may have in total (`spec.limits.cpu`): a whole number, at least 1.
   *
   * @default 256
   */
  readonly cpuLimit?: number;
  /**
   * Most memory the pool may have in total, in GiB (`spec.limits.memory`): a whole number, at least 1.
   *
   * @default 1024
   */
  readonly memoryLimitGib?: number;
  /**
   * Root volume size in GiB (20 to 16384).
   *
   * @default 100
   */
  readonly diskGib?: number;
  /**
   * How long a node lives at most before Karpenter replaces it (`expireAfter`, `<n>h`/`<n>m`/`<n>s`):
   * sandbox nodes are recycled, so whatever a sandbox escape left behind on one dies with it.
   *
   * @default '24h'
   */
  readonly expireAfter?: string;
  /**
   * How long Karpenter waits for pods when it drains a node, before it deletes them
   * (`terminationGracePeriod`): bounds how long an expiring node lives on for a run that asked not
   * to be disrupted. The default matches the longest evaluation the admission policies allow.
   *
   * @default '24h'
   */
  readonly terminationGracePeriod?: string;
  /**
   * How long a node must be empty or underutilized before Karpenter consolidates it.
   *
   * @default '5m'
   */
  readonly consolidateAfter?: string;
  /**
   * How many nodes Karpenter may disrupt at once for consolidation, drift or emptiness: a count or
   * a percentage (`disruption.budgets[0].nodes`).
   *
   * @default '10%'
   */
  readonly disruptionBudget?: string;
}

const DURATION = /^([0-9]+(s|m|h))+$/;
const BUDGET = /^((100|[0-9]{1,2})%|[0-9]+)$/;

/**
 * The gVisor node pool run by Karpenter (instead of the managed node group): a `karpenter.sh/v1`
 * NodePool and its `karpenter.k8s.aws/v1` EC2NodeClass on AL2023. The nodes carry the sandbox
 * taint and label the `gvisor` RuntimeClass tolerates and selects, run the same runsc bootstrap as
 * the managed pool (Karpenter appends its own NodeConfig to the MIME user data), require IMDSv2
 * with a hop limit of 1, encrypt their root volume with a customer key, scale to zero, are
 * consolidated when empty or underutilized, may be spot, and are replaced after `expireAfter`.
 * The AWS side (controller role, interruption queue, node role, discovery tags) is
 * `KarpenterController` in `eval-sandbox/aws`.
 */
export class KarpenterGvisorPool extends Construct {
  /** The NodePool (escape hatch). */
  public readonly resource: ApiObject;
  /** The EC2NodeClass (escape hatch). */
  public readonly nodeClass: ApiObject;
  public readonly name: string;
  public readonly amiAlias: string;
  public readonly instanceFamilies: string[];
  public readonly capacityTypes: string[];
  public readonly cpuLimit: number;
  public readonly memoryLimitGib: number;
  public readonly diskGib: number;
  public readonly expireAfter: string;
  public readonly terminationGracePeriod: string;
  public readonly consolidateAfter: string;
  public readonly disruptionBudget: string;
  public readonly subnetSelectorTags: Record<string, string>;
  public readonly securityGroupSelectorTags: Record<string, string>;
  /** The MIME multi-part user data (Karpenter appends its NodeConfig as a last part). */
  public readonly userData: string;

  constructor(scope: Construct, id: string, props: KarpenterGvisorPoolProps) {
    super(scope, id);
    this.name = props.name ?? 'gvisor';
    const amiVersion = props.amiVersion ?? 'latest';
    this.amiAlias = `al2023@${amiVersion}`;
    this.instanceFamilies = props.instanceFamilies ?? [...SANDBOX_INSTANCE_FAMILIES];
    this.capacityTypes = props.onDemandOnly ? ['on-demand'] : ['on-demand', 'spot'];
    this.cpuLimit = props.cpuLimit ?? 256;
    this.memoryLimitGib = props.memoryLimitGib ?? 1024;
    this.diskGib = props.diskGib ?? 100;
    this.expireAfter = props.expireAfter ?? '24h';
    this.terminationGracePeriod = props.terminationGracePeriod ?? '24h';
    this.consolidateAfter = props.consolidateAfter ?? '5m';
    this.disruptionBudget = props.disruptionBudget ?? '10%';
    const discovery = { [KARPENTER_DISCOVERY_TAG]: props.clusterName };
    this.subnetSelectorTags = props.subnetSelectorTags ?? discovery;
    this.securityGroupSelectorTags = props.securityGroupSelectorTags ?? discovery;

    check(this, checkDnsLabel('name', this.name));
    if (props.clusterName === '') check(this, 'clusterName is empty; use the EKS cluster name');
    check(this, checkLabelValue('clusterName', props.clusterName));
    if (!/^[\w+=,.@-]{1,64}$/.test(props.nodeRole)) {
      check(
        this,
        `nodeRole '${props.nodeRole}' is not an IAM role name; use the role's name (1 to 64 of ` +
          `letters, digits and +=,.@_-), not its ARN: KarpenterController.nodeRole.name`,
      );
    }
    if (props.volumeKmsKeyArn.trim() === '') {
      check(
        this,
        'volumeKmsKeyArn is empty; use the ARN of the volume key (KarpenterController.volumeKey.arn)',
      );
    }
    if (!/^(latest|v\d{8})$/.test(amiVersion)) {
      check(
        this,
        `amiVersion '${amiVersion}' is not an AL2023 AMI release; use 'latest' or a release such as 'v20251120'`,
      );
    }
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s']*)?$/.test(props.mirror)) {
      check(
        this,
        `mirror '${props.mirror}' is not an S3 location; use s3://<bucket>/<prefix>, e.g. s3://my-runsc-mirror/gvisor`,
      );
    }
    if (this.instanceFamilies.length === 0) {
      check(
        this,
        `instanceFamilies is empty; list at least one of ${SANDBOX_INSTANCE_FAMILIES.join(', ')}`,
      );
    }
    const unknown = this.instanceFamilies.filter((f) => !SANDBOX_INSTANCE_FAMILIES.includes(f));
    if (unknown.length > 0) {
      check(
        this,
        `instanceFamilies ${unknown.map((f) => `'${f}'`).join(', ')} not allowed for gVisor nodes; ` +
          `use families of ${SANDBOX_INSTANCE_FAMILIES.join(', ')}`,
      );
    }
    for (const [field, value] of [
      ['cpuLimit', this.cpuLimit],
      ['memoryLimitGib', this.memoryLimitGib],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        check(this, `${field} ${value}: use a whole number, at least 1`);
    }
    if (!Number.isInteger(this.diskGib) || this.diskGib < 20 || this.diskGib > 16384) {
      check(
        this,
        `diskGib ${this.diskGib}: use a whole number of GiB from 20 (AL2023's image) to 16384 (gp3)`,
      );
    }
    for (const [field, value] of [
      ['expireAfter', this.expireAfter],
      ['terminationGracePeriod', this.terminationGracePeriod],
      ['consolidateAfter', this.consolidateAfter],
    ] as const) {
      if (!DURATION.test(value)) {
        check(
          this,
          `${field} '${value}' is not a duration Karpenter accepts; use hours, minutes or seconds ` +
            `such as '24h', '90m' or '1h30m' (no days${field === 'expireAfter' ? "; 'Never' is refused: sandbox nodes must be recycled" : ''})`,
        );
      }
    }
    if (!BUDGET.test(this.disruptionBudget)) {
      check(
        this,
        `disruptionBudget '${this.disruptionBudget}' is not a node count or percentage; use e.g. '10%' or '2'`,
      );
    }
    for (const [field, tags] of [
      ['subnetSelectorTags', this.subnetSelectorTags],
      ['securityGroupSelectorTags', this.securityGroupSelectorTags],
    ] as const) {
      if (Object.keys(tags).length === 0)
        check(this, `${field} is empty; it would select nothing — list the tags to select by`);
      for (const [key, value] of Object.entries(tags)) {
        if (key === '' || value === '')
          check(
            this,
            `${field} has an empty key or value ('${key}': '${value}'); Karpenter refuses both`,
          );
      }
    }

    this.userData = userData(props);
    const labels = standardLabels('node-pool');
    this.nodeClass = new ApiObject(this, 'NodeClass', {
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: this.name, labels },
      spec: {
        role: props.nodeRole,
        amiSelectorTerms: [{ alias: this.amiAlias }],
        subnetSelectorTerms: [{ tags: this.subnetSelectorTags }],
        securityGroupSelectorTerms: [{ tags: this.securityGroupSelectorTags }],
        associatePublicIPAddress: false,
        // Pods cannot reach the node role through the metadata service.
        metadataOptions: {
          httpEndpoint: 'enabled',
          httpProtocolIPv6: 'disabled',
          httpPutResponseHopLimit: 1,
          httpTokens: 'required',
        },
        blockDeviceMappings: [
          {
            deviceName: '/dev/xvda',
            rootVolume: true,
            ebs: {
              volumeSize: `${this.diskGib}Gi`,
              volumeType: 'gp3',
              encrypted: true,
              kmsKeyID: props.volumeKmsKeyArn,
              deleteOnTermination: true,
            },
          },
        ],
        detailedMonitoring: true,
        userData: this.userData,
      },
    });
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: this.name, labels },
      spec: {
        template: {
          metadata: { labels: { [SANDBOX_NODE_LABEL]: SANDBOX_NODE_LABEL_VALUE } },
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: this.name },
            taints: [
              {
                key: SANDBOX_NODE_TAINT_KEY,
                value: SANDBOX_NODE_TAINT_VALUE,
                effect: SANDBOX_NODE_TAINT_EFFECT,
              },
            ],
            requirements: [
              { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
              { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
              {
                key: 'karpenter.k8s.aws/instance-family',
                operator: 'In',
                values: this.instanceFamilies,
              },
              { key: 'karpenter.sh/capacity-type', operator: 'In', values: this.capacityTypes },
            ],
            expireAfter: this.expireAfter,
            terminationGracePeriod: this.terminationGracePeriod,
          },
        },
        limits: { cpu: String(this.cpuLimit), memory: `${this.memoryLimitGib}Gi` },
        disruption: {
          consolidationPolicy: 'WhenEmptyOrUnderutilized',
          consolidateAfter: this.consolidateAfter,
          budgets: [{ nodes: this.disruptionBudget }],
        },
      },
    });
  }
}
