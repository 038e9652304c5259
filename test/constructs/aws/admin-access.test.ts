import { AdminAccess, AdminAccessProps } from '../../../constructs/aws/admin-access';
import { Json, one, policy, resources, synthConstruct } from '../../support/aws';

const base: AdminAccessProps = {
  name: 'prod',
  region: 'eu-west-2',
  cluster: { clusterName: 'eval-sandbox-prod', clusterSecurityGroupId: 'sg-cluster' },
  network: { vpcId: 'vpc-1', privateSubnetIds: ['subnet-a', 'subnet-b'] },
};
const relay = (props: Partial<AdminAccessProps> = {}): Json =>
  synthConstruct((s) => new AdminAccess(s, 'AdminAccess', { ...base, ...props }));

describe('AdminAccess', () => {
  const json = relay();
  const instance = one(json, 'aws_instance');

  test('GIVEN defaults THEN a t3.micro in the first private subnet, no public address, no SSH key', () => {
    expect(instance.instance_type).toBe('t3.micro');
    expect(instance.subnet_id).toBe('subnet-a');
    expect(instance.associate_public_ip_address).toBe(false);
    expect(instance.key_name).toBeUndefined();
  });

  test('GIVEN defaults THEN IMDSv2 with hop limit 1 and a root volume encrypted with a customer key', () => {
    expect(instance.metadata_options).toEqual({
      http_endpoint: 'enabled',
      http_tokens: 'required',
      http_put_response_hop_limit: 1,
      instance_metadata_tags: 'disabled',
    });
    expect(instance.root_block_device).toEqual({
      encrypted: true,
      kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.AdminAccess_VolumeKey_\w+\.arn\}$/),
      volume_type: 'gp3',
    });
  });

  test('GIVEN defaults THEN no inbound rule at all, HTTPS out only', () => {
    const sg = one(json, 'aws_security_group');
    expect(sg.ingress).toEqual([]);
    expect(sg.egress.map((r: Json) => [r.protocol, r.from_port, r.to_port])).toEqual([
      ['tcp', 443, 443],
    ]);
  });

  test('GIVEN defaults THEN its role has only what the SSM agent needs, and no cluster rights', () => {
    const attached = Object.values(resources(json, 'aws_iam_role_policy_attachment')).map(
      (a) => a.policy_arn,
    );
    expect(attached).toEqual(['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore']);
    expect(resources(json, 'aws_iam_role_policy')).toEqual({});
    expect(resources(json, 'aws_eks_access_entry')).toEqual({});
    const trust = policy(one(json, 'aws_iam_role').assume_role_policy).Statement;
    expect(trust).toEqual([
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: ['sts:AssumeRole'] },
    ]);
  });

  test('GIVEN defaults THEN the API server admits the relay on 443 only', () => {
    const [sgId] = Object.keys(resources(json, 'aws_security_group'));
    expect(Object.values(resources(json, 'aws_vpc_security_group_ingress_rule'))).toEqual([
      expect.objectContaining({
        security_group_id: 'sg-cluster',
        referenced_security_group_id: `\${aws_security_group.${sgId}.id}`,
        ip_protocol: 'tcp',
        from_port: 443,
        to_port: 443,
      }),
    ]);
  });

  test('GIVEN defaults THEN the AMI is the latest AL2023 from the public SSM parameter, and a new one does not replace the relay', () => {
    expect(Object.values(json.data.aws_ssm_parameter as Record<string, Json>)[0].name).toBe(
      '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    );
    expect(instance.lifecycle.ignore_changes).toEqual(['ami']);
  });

  test.each<[string, Partial<AdminAccessProps>, string]>([
    [
      'a bad name',
      { name: 'Prod' },
      "test/AdminAccess: name 'Prod' is not a valid name; use 1 to 40 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (resource names are derived from it)",
    ],
    [
      'no private subnet',
      { network: { vpcId: 'vpc-1', privateSubnetIds: [] } },
      'test/AdminAccess: network.privateSubnetIds is empty; the relay needs a private subnet',
    ],
    [
      'a bad instance type',
      { instanceType: 'micro' },
      "test/AdminAccess: instanceType 'micro' is not an EC2 instance type; use e.g. t3.micro",
    ],
  ])('GIVEN %s THEN it is refused', (_, props, message) => {
    expect(() => relay(props)).toThrow(message);
  });
});
