import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { CustomerKey } from './customer-key';
import { ISandboxNetwork } from './references';
import {
  check,
  checkAvailabilityZones,
  checkIpv4Cidr,
  checkName,
  checkRegion,
  checkRetention,
} from './validation';

/** Interface endpoints created so nodes need no internet (plus the S3 gateway endpoint). */
export const INTERFACE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'sts', 'logs', 'ec2', 'eks-auth', 'eks'];

/** The IAM action prefix each interface endpoint serves (its policy allows only those actions). */
const ENDPOINT_ACTIONS: Record<string, string> = {
  'ecr.api': 'ecr:*',
  'ecr.dkr': 'ecr:*',
  sts: 'sts:*',
  logs: 'logs:*',
  ec2: 'ec2:*',
  'eks-auth': 'eks-auth:*',
  eks: 'eks:*',
  ssm: 'ssm:*',
  ssmmessages: 'ssmmessages:*',
  ec2messages: 'ec2messages:*',
};

/** The interface endpoints Session Manager needs (`ssmEndpoints`). */
export const SSM_ENDPOINTS = ['ssm', 'ssmmessages', 'ec2messages'];

/** Properties for {@link SandboxVpc}. */
export interface SandboxVpcProps {
  /** Prefix of every resource name: 1–40 lowercase letters, digits and '-'. */
  readonly name: string;
  /** The AWS region (`eu-west-2`). */
  readonly region: string;
  /** Exactly three distinct availability zones of `region`, by name (`eu-west-2a`). */
  readonly availabilityZones: string[];
  /** An IPv4 network address, /16–/20; three private and three public subnets are carved from it. */
  readonly cidr: string;
  /**
   * No public subnets, internet gateway or NAT: nodes reach AWS only through the VPC endpoints.
   * Costs: nothing outside AWS is reachable from the cluster (image pulls only from ECR).
   *
   * @default false
   */
  readonly fullyPrivate?: boolean;
  /**
   * One NAT gateway (in the first zone) for every private subnet instead of one per zone. Costs:
   * losing that zone cuts every node off the internet, and the other zones' traffic to it pays
   * cross-zone data charges. For `dev`.
   *
   * @default false - one NAT gateway per zone
   */
  readonly singleNatGateway?: boolean;
  /**
   * Interface endpoints in the first zone only instead of all three. Costs: losing that zone cuts
   * every node off the AWS APIs behind them (image pulls, Pod Identity, node registration), and the
   * other zones' calls pay cross-zone data charges. For `dev`.
   *
   * @default false - endpoints in every zone
   */
  readonly singleZoneEndpoints?: boolean;
  /**
   * Interface endpoints for Session Manager (ssm, ssmmessages, ec2messages), so an `AdminAccess`
   * relay is reachable in a fully private VPC. Costs: three more interface endpoints per zone.
   *
   * @default false
   */
  readonly ssmEndpoints?: boolean;
  /**
   * Days the flow logs are kept.
   *
   * @default 365
   */
  readonly flowLogRetentionDays?: number;
}

/**
 * The network of the platform: three AZs, private subnets for nodes, public subnets only for one
 * NAT gateway per AZ (or none at all), VPC endpoints for ECR, S3, STS, CloudWatch Logs, EC2 and EKS,
 * flow logs to a KMS-encrypted log group, and the default security group emptied.
 */
export class SandboxVpc extends Construct implements ISandboxNetwork {
  public readonly vpc: Vpc;
  public readonly privateSubnets: Subnet[];
  public readonly vpcId: string;
  public readonly privateSubnetIds: string[];
  public readonly publicSubnets: Subnet[];
  public readonly endpointSecurityGroup: SecurityGroup;
  public readonly flowLogGroup: CloudwatchLogGroup;
  public readonly fullyPrivate: boolean;

  constructor(scope: Construct, id: string, props: SandboxVpcProps) {
    super(scope, id);
    check(this, checkName('name', props.name));
    check(this, checkRegion('region', props.region));
    check(
      this,
      checkAvailabilityZones('availabilityZones', props.availabilityZones, props.region, 3),
    );
    check(this, checkIpv4Cidr('cidr', props.cidr, 16, 20));
    check(this, checkRetention('flowLogRetentionDays', props.flowLogRetentionDays ?? 365, 1));
    this.fullyPrivate = props.fullyPrivate ?? false;
    const tags = (name: string, extra: Record<string, string> = {}) => ({
      Name: `${props.name}-${name}`,
      ...extra,
    });

    this.vpc = new Vpc(this, 'Resource', {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: tags('vpc'),
    });
    new DefaultSecurityGroup(this, 'DefaultSecurityGroup', {
      vpcId: this.vpc.id,
      tags: tags('default-closed'),
    });

    // /16 → private /19s at 0..2, public /22s after them; works for /16–/20 (newbits 3 and 6).
    this.privateSubnets = props.availabilityZones.map(
      (az, i) =>
        new Subnet(this, `Private${i}`, {
          vpcId: this.vpc.id,
          availabilityZone: az,
          cidrBlock: Fn.cidrsubnet(props.cidr, 3, i),
          mapPublicIpOnLaunch: false,
          tags: tags(`private-${az}`, { 'kubernetes.io/role/internal-elb': '1' }),
        }),
    );
    this.vpcId = this.vpc.id;
    this.privateSubnetIds = this.privateSubnets.map((s) => s.id);
    this.publicSubnets = this.fullyPrivate
      ? []
      : props.availabilityZones.map(
          (az, i) =>
            new Subnet(this, `Public${i}`, {
              vpcId: this.vpc.id,
              availabilityZone: az,
              cidrBlock: Fn.cidrsubnet(props.cidr, 6, 48 + i),
              mapPublicIpOnLaunch: false,
              tags: tags(`public-${az}`),
            }),
        );

    const privateTables = this.privateSubnets.map((subnet, i) => {
      const table = new RouteTable(this, `PrivateRoutes${i}`, {
        vpcId: this.vpc.id,
        tags: tags(`private-${i}`),
      });
      new RouteTableAssociation(this, `PrivateRoutesAssoc${i}`, {
        subnetId: subnet.id,
        routeTableId: table.id,
      });
      return table;
    });

    if (!this.fullyPrivate) {
      const igw = new InternetGateway(this, 'InternetGateway', {
        vpcId: this.vpc.id,
        tags: tags('igw'),
      });
      const publicTable = new RouteTable(this, 'PublicRoutes', {
        vpcId: this.vpc.id,
        tags: tags('public'),
      });
      new Route(this, 'PublicDefault', {
        routeTableId: publicTable.id,
        destinationCidrBlock: '0.0.0.0/0',
        gatewayId: igw.id,
      });
      this.publicSubnets.forEach((subnet, i) => {
        new RouteTableAssociation(this, `PublicRoutesAssoc${i}`, {
          subnetId: subnet.id,
          routeTableId: publicTable.id,
        });
      });
      const natSubnets = props.singleNatGateway
        ? this.publicSubnets.slice(0, 1)
        : this.publicSubnets;
      const nats = natSubnets.map((subnet, i) => {
        const eip = new Eip(this, `NatIp${i}`, { domain: 'vpc', tags: tags(`nat-${i}`) });
        return new NatGateway(this, `Nat${i}`, {
          allocationId: eip.id,
          subnetId: subnet.id,
          tags: tags(`nat-${i}`),
        });
      });
      privateTables.forEach((table, i) => {
        new Route(this, `PrivateDefault${i}`, {
          routeTableId: table.id,
          destinationCidrBlock: '0.0.0.0/0',
          natGatewayId: nats[Math.min(i, nats.length - 1)].id,
        });
      });
    }

    this.endpointSecurityGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
      name: `${props.name}-endpoints`,
      description: 'HTTPS from the VPC to the interface endpoints',
      vpcId: this.vpc.id,
      ingress: [
        {
          description: 'HTTPS from the VPC',
          fromPort: 443,
          toPort: 443,
          protocol: 'tcp',
          cidrBlocks: [props.cidr],
        },
      ],
      egress: [],
      tags: tags('endpoints'),
    });
    // Endpoint policies: only this account's principals may use the endpoints, so a compromised pod
    // cannot use them with an attacker's credentials; through S3, only to this account's buckets
    // (so our credentials cannot write to an attacker's bucket), plus the AWS-owned bucket ECR
    // serves image layers from (its URLs are presigned by ECR's own account).
    const account = new DataAwsCallerIdentity(this, 'Account');
    const partition = new DataAwsPartition(this, 'Partition');
    const ownPrincipals = { 'aws:PrincipalAccount': account.accountId };
    new VpcEndpoint(this, 'S3Endpoint', {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: privateTables.map((t) => t.id),
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OwnPrincipalsToOwnBuckets',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:*',
            Resource: '*',
            Condition: {
              StringEquals: { ...ownPrincipals, 'aws:ResourceAccount': account.accountId },
            },
          },
          {
            Sid: 'EcrImageLayers',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: `arn:${partition.partition}:s3:::prod-${props.region}-starport-layer-bucket/*`,
          },
        ],
      }),
      tags: tags('s3'),
    });
    for (const service of [...INTERFACE_ENDPOINTS, ...(props.ssmEndpoints ? SSM_ENDPOINTS : [])]) {
      new VpcEndpoint(this, `Endpoint-${service}`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: props.singleZoneEndpoints
          ? this.privateSubnetIds.slice(0, 1)
          : this.privateSubnetIds,
        securityGroupIds: [this.endpointSecurityGroup.id],
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'OwnPrincipalsOnly',
              Effect: 'Allow',
              Principal: '*',
              Action: ENDPOINT_ACTIONS[service],
              Resource: '*',
              Condition: { StringEquals: ownPrincipals },
            },
          ],
        }),
        tags: tags(service),
      });
    }

    const flowLogGroupName = `/eval-sandbox/${props.name}/vpc-flow-logs`;
    const key = new CustomerKey(this, 'FlowLogKey', {
      alias: `${props.name}-flow-logs`,
      cloudWatchLogs: { region: props.region, logGroupNames: [flowLogGroupName] },
    });
    this.flowLogGroup = new CloudwatchLogGroup(this, 'FlowLogGroup', {
      name: flowLogGroupName,
      retentionInDays: props.flowLogRetentionDays ?? 365,
      kmsKeyId: key.arn,
    });
    const role = new IamRole(this, 'FlowLogRole', {
      name: `${props.name}-vpc-flow-logs`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
            Action: 'sts:AssumeRole',
            // Confused deputy: only flow logs of this account, in this region, may use the role.
            Condition: {
              StringEquals: { 'aws:SourceAccount': account.accountId },
              ArnLike: {
                'aws:SourceArn': `arn:${partition.partition}:ec2:${props.region}:${account.accountId}:vpc-flow-log/*`,
              },
            },
          },
        ],
      }),
    });
    new IamRolePolicy(this, 'FlowLogPolicy', {
      role: role.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
            Resource: `${this.flowLogGroup.arn}:*`,
          },
        ],
      }),
    });
    new FlowLog(this, 'FlowLog', {
      vpcId: this.vpc.id,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: this.flowLogGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
    });
  }
}
