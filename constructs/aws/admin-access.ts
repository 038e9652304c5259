import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';
import { CustomerKey } from './customer-key';
import { serviceRole } from './iam';
import { ISandboxCluster, ISandboxNetwork } from './references';
import { check, checkName, checkRegion } from './validation';

/** Properties for {@link AdminAccess}. */
export interface AdminAccessProps {
  /** Prefix of the resource names: 1–40 lowercase letters, digits and '-'. */
  readonly name: string;
  /** The AWS region (`eu-west-2`), for the commands it prints. */
  readonly region: string;
  /** The cluster whose private endpoint it reaches: a `SandboxCluster` or `{ clusterName, … }`. */
  readonly cluster: ISandboxCluster;
  /** The network: a `SandboxVpc` (with `ssmEndpoints` when fully private) or `{ vpcId, … }`. */
  readonly network: ISandboxNetwork;
  /**
   * The instance type of the relay.
   *
   * @default 't3.micro'
   */
  readonly instanceType?: string;
}

/**
 * The administration path to a private-only cluster: a small relay instance in a private subnet that
 * Session Manager reaches (no inbound rule, no SSH key, no public address), through which an
 * administrator forwards a local port to the API server's private endpoint:
 *
 *   aws ssm start-session --target <relay> --document-name AWS-StartPortForwardingSessionToRemoteHost \
 *     --parameters host=<endpoint host>,portNumber=443,localPortNumber=8443
 *
 * kubectl then authenticates with the administrator's own IAM identity (a `clusterAdmins` access
 * entry); the relay holds no cluster rights, only what the SSM agent needs. IMDSv2 with hop limit 1,
 * an encrypted root volume under a customer key, and the API server admits it on 443 only.
 */
export class AdminAccess extends Construct {
  public readonly instance: Instance;
  public readonly securityGroup: SecurityGroup;
  /** The command that opens the port forward (the endpoint host must be filled in). */
  public readonly portForwardCommand: string;

  constructor(scope: Construct, id: string, props: AdminAccessProps) {
    super(scope, id);
    check(this, checkName('name', props.name));
    check(this, checkRegion('region', props.region));
    const instanceType = props.instanceType ?? 't3.micro';
    if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType))
      check(this, `instanceType '${instanceType}' is not an EC2 instance type; use e.g. t3.micro`);
    check(
      this,
      props.network.privateSubnetIds.length === 0
        ? 'network.privateSubnetIds is empty; the relay needs a private subnet'
        : undefined,
    );
    const name = `${props.name}-admin-relay`;

    const role = serviceRole(this, 'Role', name, 'ec2.amazonaws.com', [
      'AmazonSSMManagedInstanceCore',
    ]);
    const profile = new IamInstanceProfile(this, 'Profile', { name, role: role.name });
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      name,
      description: `${name}: no inbound; HTTPS out to the VPC (Session Manager endpoints, the API server)`,
      vpcId: props.network.vpcId,
      ingress: [],
      egress: [
        {
          description: 'HTTPS: Session Manager (endpoints or NAT) and the private API endpoint',
          fromPort: 443,
          toPort: 443,
          protocol: 'tcp',
          cidrBlocks: ['0.0.0.0/0'],
        },
      ],
    });
    new VpcSecurityGroupIngressRule(this, 'ApiServerFromRelay', {
      securityGroupId: props.cluster.clusterSecurityGroupId,
      referencedSecurityGroupId: this.securityGroup.id,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: `the API server, from ${name} (administrators' port forward)`,
    });
    const ami = new DataAwsSsmParameter(this, 'Ami', {
      name: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    });
    const key = new CustomerKey(this, 'VolumeKey', { alias: `${name}-volume` });
    this.instance = new Instance(this, 'Resource', {
      ami: ami.value,
      instanceType,
      subnetId: props.network.privateSubnetIds[0],
      vpcSecurityGroupIds: [this.securityGroup.id],
      iamInstanceProfile: profile.name,
      associatePublicIpAddress: false,
      monitoring: true,
      ebsOptimized: true,
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: 'disabled',
      },
      rootBlockDevice: { encrypted: true, kmsKeyId: key.arn, volumeType: 'gp3' },
      tags: { Name: name },
      // A new AMI must not replace the relay under an administrator's session.
      lifecycle: { ignoreChanges: ['ami'] },
    });
    this.portForwardCommand =
      `aws ssm start-session --region ${props.region} --target ${this.instance.id} ` +
      '--document-name AWS-StartPortForwardingSessionToRemoteHost ' +
      '--parameters host=<endpoint host>,portNumber=443,localPortNumber=8443';
  }
}
