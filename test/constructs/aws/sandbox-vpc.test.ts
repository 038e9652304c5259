import { SandboxVpc, SandboxVpcProps } from '../../../constructs/aws/sandbox-vpc';
import { Json, one, policy, resources, synthConstruct } from '../../support/aws';

const base: SandboxVpcProps = {
  name: 't',
  region: 'eu-west-2',
  availabilityZones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
  cidr: '10.40.0.0/16',
};
const vpc = (props: Partial<SandboxVpcProps> = {}): Json =>
  synthConstruct((s) => new SandboxVpc(s, 'Network', { ...base, ...props }));

/** The hash part of the one data source id starting with `prefix` (the VPC's own lookups). */
const idSuffix = (json: Json, type: string, prefix: string): string => {
  const ids = Object.keys(json.data[type] as object).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0].slice(prefix.length);
};

describe('SandboxVpc', () => {
  const json = vpc();

  test('GIVEN defaults THEN three private subnets, one per zone, with no public IPs', () => {
    const priv = Object.entries(resources(json, 'aws_subnet')).filter(([id]) =>
      id.includes('Private'),
    );
    expect(priv.map(([, s]) => s.availability_zone)).toEqual(base.availabilityZones);
    for (const [, s] of priv) {
      expect(s.map_public_ip_on_launch).toBe(false);
      expect(s.tags['kubernetes.io/role/internal-elb']).toBe('1');
    }
    expect(priv.map(([, s]) => s.cidr_block)).toEqual(
      [0, 1, 2].map((i) => `\${cidrsubnet("10.40.0.0/16", 3, ${i})}`),
    );
  });

  test('GIVEN defaults THEN public subnets exist only to hold one NAT gateway per zone', () => {
    const pub = Object.entries(resources(json, 'aws_subnet')).filter(([id]) =>
      id.includes('Public'),
    );
    expect(pub).toHaveLength(3);
    for (const [, s] of pub) expect(s.map_public_ip_on_launch).toBe(false);
    expect(Object.keys(resources(json, 'aws_nat_gateway'))).toHaveLength(3);
    expect(Object.keys(resources(json, 'aws_internet_gateway'))).toHaveLength(1);
    // Each private table routes to the NAT of its own zone.
    const privateRoutes = Object.entries(resources(json, 'aws_route')).filter(([id]) =>
      id.includes('PrivateDefault'),
    );
    expect(privateRoutes.map(([, r]) => r.nat_gateway_id)).toEqual(
      Object.keys(resources(json, 'aws_nat_gateway')).map((id) => `\${aws_nat_gateway.${id}.id}`),
    );
  });

  test('GIVEN fullyPrivate THEN there is no public subnet, internet gateway, NAT or default route', () => {
    const json = vpc({ fullyPrivate: true });
    expect(
      Object.keys(resources(json, 'aws_subnet')).filter((id) => id.includes('Public')),
    ).toEqual([]);
    for (const type of ['aws_internet_gateway', 'aws_nat_gateway', 'aws_eip', 'aws_route'])
      expect(resources(json, type)).toEqual({});
    // The endpoints are then the only way out, so they must all still be there.
    expect(
      Object.values(resources(json, 'aws_vpc_endpoint'))
        .map((e) => e.service_name)
        .sort(),
    ).toEqual([
      'com.amazonaws.eu-west-2.ec2',
      'com.amazonaws.eu-west-2.ecr.api',
      'com.amazonaws.eu-west-2.ecr.dkr',
      'com.amazonaws.eu-west-2.eks',
      'com.amazonaws.eu-west-2.eks-auth',
      'com.amazonaws.eu-west-2.logs',
      'com.amazonaws.eu-west-2.s3',
      'com.amazonaws.eu-west-2.sts',
    ]);
  });

  test('GIVEN defaults THEN an S3 gateway endpoint serves every private route table', () => {
    const s3 = one(json, 'aws_vpc_endpoint', 'S3Endpoint');
    expect(s3.service_name).toBe('com.amazonaws.eu-west-2.s3');
    expect(s3.vpc_endpoint_type).toBe('Gateway');
    expect(s3.route_table_ids).toHaveLength(3);
  });

  test('GIVEN defaults THEN ECR api+dkr, STS, Logs, EC2 and EKS auth interface endpoints exist with private DNS', () => {
    const interfaces = Object.values(resources(json, 'aws_vpc_endpoint')).filter(
      (e) => e.vpc_endpoint_type === 'Interface',
    );
    const services = interfaces
      .map((e) => e.service_name.replace('com.amazonaws.eu-west-2.', ''))
      .sort();
    expect(services).toEqual(
      expect.arrayContaining(['ecr.api', 'ecr.dkr', 'sts', 'logs', 'ec2', 'eks-auth']),
    );
    for (const e of interfaces) {
      expect(e.private_dns_enabled).toBe(true);
      expect(e.subnet_ids).toHaveLength(3);
    }
    const sg = one(json, 'aws_security_group', 'EndpointSecurityGroup');
    expect(sg.ingress).toEqual([
      expect.objectContaining({
        from_port: 443,
        to_port: 443,
        protocol: 'tcp',
        cidr_blocks: ['10.40.0.0/16'],
      }),
    ]);
    expect(sg.egress).toEqual([]);
  });

  test('GIVEN defaults THEN only this account’s principals may use an interface endpoint, for its own service only', () => {
    const accountId =
      'Network_Account_' + idSuffix(json, 'aws_caller_identity', 'Network_Account_');
    const endpoints = Object.values(resources(json, 'aws_vpc_endpoint')).filter(
      (e) => e.vpc_endpoint_type === 'Interface',
    );
    expect(endpoints).toHaveLength(7);
    const actions = endpoints.map((e) => [
      e.service_name,
      policy(e.policy).Statement.map((s) => s.Action),
    ]);
    expect(Object.fromEntries(actions)).toEqual({
      'com.amazonaws.eu-west-2.ecr.api': ['ecr:*'],
      'com.amazonaws.eu-west-2.ecr.dkr': ['ecr:*'],
      'com.amazonaws.eu-west-2.sts': ['sts:*'],
      'com.amazonaws.eu-west-2.logs': ['logs:*'],
      'com.amazonaws.eu-west-2.ec2': ['ec2:*'],
      'com.amazonaws.eu-west-2.eks-auth': ['eks-auth:*'],
      'com.amazonaws.eu-west-2.eks': ['eks:*'],
    });
    for (const e of endpoints)
      expect(policy(e.policy).Statement[0].Condition).toEqual({
        StringEquals: {
          'aws:PrincipalAccount': `\${data.aws_caller_identity.${accountId}.account_id}`,
        },
      });
  });

  test('GIVEN defaults THEN through S3, this account’s principals reach only its buckets, plus ECR’s layer bucket', () => {
    const accountId =
      'Network_Account_' + idSuffix(json, 'aws_caller_identity', 'Network_Account_');
    const partitionId =
      'Network_Partition_' + idSuffix(json, 'aws_partition', 'Network_Partition_');
    const account = `\${data.aws_caller_identity.${accountId}.account_id}`;
    const s3 = Object.values(resources(json, 'aws_vpc_endpoint')).find(
      (e) => e.vpc_endpoint_type === 'Gateway',
    );
    expect(policy(s3?.policy).Statement).toEqual([
      {
        Sid: 'OwnPrincipalsToOwnBuckets',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:*',
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:PrincipalAccount': account, 'aws:ResourceAccount': account },
        },
      },
      {
        Sid: 'EcrImageLayers',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:\${data.aws_partition.${partitionId}.partition}:s3:::prod-eu-west-2-starport-layer-bucket/*`,
      },
    ]);
  });

  test('GIVEN defaults THEN the flow-log role may be assumed only for this account’s flow logs (confused deputy)', () => {
    const accountId =
      'Network_Account_' + idSuffix(json, 'aws_caller_identity', 'Network_Account_');
    const partitionId =
      'Network_Partition_' + idSuffix(json, 'aws_partition', 'Network_Partition_');
    const account = `\${data.aws_caller_identity.${accountId}.account_id}`;
    const trust = policy(one(json, 'aws_iam_role', 'FlowLogRole').assume_role_policy).Statement;
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: {
            'aws:SourceArn': `arn:\${data.aws_partition.${partitionId}.partition}:ec2:eu-west-2:${account}:vpc-flow-log/*`,
          },
        },
      },
    ]);
  });

  test('GIVEN defaults THEN all traffic is flow-logged to a KMS-encrypted group kept a year', () => {
    const flow = one(json, 'aws_flow_log');
    expect(flow.traffic_type).toBe('ALL');
    expect(flow.log_destination_type).toBe('cloud-watch-logs');
    const group = one(json, 'aws_cloudwatch_log_group', 'FlowLogGroup');
    expect(group.retention_in_days).toBe(365);
    expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\.Network_FlowLogKey_.*\.arn\}$/);
    const key = one(json, 'aws_kms_key', 'FlowLogKey');
    expect(key.enable_key_rotation).toBe(true);
    // CloudWatch Logs may use the key for this log group only, by the condition AWS documents.
    const logs = policy(key.policy).Statement.find((s) => s.Sid === 'CloudWatchLogsUse');
    expect(logs?.Principal).toEqual({ Service: 'logs.eu-west-2.amazonaws.com' });
    expect(logs?.Condition).toEqual({
      ArnEquals: {
        'kms:EncryptionContext:aws:logs:arn': [
          expect.stringMatching(
            /^arn:\$\{data\.aws_partition\.[^}]+\}:logs:eu-west-2:\$\{data\.aws_caller_identity\.[^}]+\.account_id\}:log-group:\/eval-sandbox\/t\/vpc-flow-logs$/,
          ),
        ],
      },
    });
    expect(JSON.stringify(policy(key.policy))).not.toContain('aws:SourceAccount');
    // The role may write only to its own log group.
    const write = policy(one(json, 'aws_iam_role_policy', 'FlowLogPolicy').policy).Statement;
    expect(write).toEqual([
      expect.objectContaining({
        Resource: `\${aws_cloudwatch_log_group.${Object.keys(resources(json, 'aws_cloudwatch_log_group'))[0]}.arn}:*`,
      }),
    ]);
  });

  test('GIVEN defaults THEN the default security group is adopted with no rules (closed)', () => {
    const sg = one(json, 'aws_default_security_group');
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
  });

  test('GIVEN singleNatGateway THEN one NAT gateway, in the first zone, serves every private route table', () => {
    const json = vpc({ singleNatGateway: true });
    const nats = Object.entries(resources(json, 'aws_nat_gateway'));
    expect(nats).toHaveLength(1);
    expect(Object.keys(resources(json, 'aws_eip'))).toHaveLength(1);
    const [natId, nat] = nats[0];
    expect(nat.subnet_id).toMatch(/^\$\{aws_subnet\.Network_Public0_\w+\.id\}$/);
    const defaults = Object.values(resources(json, 'aws_route')).filter((r) => r.nat_gateway_id);
    expect(defaults.map((r) => r.nat_gateway_id)).toEqual(
      Array(3).fill(`\${aws_nat_gateway.${natId}.id}`),
    );
  });

  test('GIVEN defaults THEN three NAT gateways, each private route table using its own zone’s', () => {
    const defaults = Object.values(resources(json, 'aws_route')).filter((r) => r.nat_gateway_id);
    expect(new Set(defaults.map((r) => r.nat_gateway_id)).size).toBe(3);
  });

  test('GIVEN singleZoneEndpoints THEN every interface endpoint sits in the first private subnet only', () => {
    const json = vpc({ singleZoneEndpoints: true });
    for (const e of Object.values(resources(json, 'aws_vpc_endpoint')).filter(
      (e) => e.vpc_endpoint_type === 'Interface',
    ))
      expect(e.subnet_ids).toEqual([
        expect.stringMatching(/^\$\{aws_subnet\.Network_Private0_\w+\.id\}$/),
      ]);
    for (const e of Object.values(resources(vpc(), 'aws_vpc_endpoint')).filter(
      (e) => e.vpc_endpoint_type === 'Interface',
    ))
      expect(e.subnet_ids).toHaveLength(3);
  });

  test('GIVEN ssmEndpoints THEN Session Manager’s three endpoints are added, bound to this account like the others', () => {
    const services = (json: Json) =>
      Object.values(resources(json, 'aws_vpc_endpoint'))
        .filter((e) => e.vpc_endpoint_type === 'Interface')
        .map((e) => e.service_name as string);
    const ssm = vpc({ ssmEndpoints: true });
    expect(
      services(ssm)
        .filter((s) => !services(vpc()).includes(s))
        .sort(),
    ).toEqual([
      'com.amazonaws.eu-west-2.ec2messages',
      'com.amazonaws.eu-west-2.ssm',
      'com.amazonaws.eu-west-2.ssmmessages',
    ]);
    for (const e of Object.values(resources(ssm, 'aws_vpc_endpoint')).filter(
      (e) => e.vpc_endpoint_type === 'Interface',
    ))
      expect(policy(e.policy).Statement[0].Condition.StringEquals).toHaveProperty(
        'aws:PrincipalAccount',
      );
  });

  test('GIVEN a flow log retention THEN it is used', () => {
    expect(
      one(vpc({ flowLogRetentionDays: 731 }), 'aws_cloudwatch_log_group').retention_in_days,
    ).toBe(731);
  });
});
