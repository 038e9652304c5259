/**
 * The AWS constructs refuse bad props in their constructors, as the Kubernetes constructs do: a
 * ValidationError naming the construct path, the field, the value and the fix. One row per
 * problem; every expected message is written out literally.
 */
import { TerraformStack } from 'cdktf';
import { ArtifactStore } from '../../../constructs/aws/artifact-store';
import { CustomerKey } from '../../../constructs/aws/customer-key';
import { ImageRegistry } from '../../../constructs/aws/image-registry';
import { NodePoolProps } from '../../../constructs/aws/node-pool';
import { SandboxCluster, SandboxClusterProps } from '../../../constructs/aws/sandbox-cluster';
import { SandboxVpc, SandboxVpcProps } from '../../../constructs/aws/sandbox-vpc';
import { SystemNodeGroup } from '../../../constructs/aws/system-node-group';
import { ValidationError } from '../../../constructs/shared/errors';
import { synthConstruct } from '../../support/aws';

const VPC: SandboxVpcProps = {
  name: 'sandbox',
  region: 'eu-west-2',
  availabilityZones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
  cidr: '10.40.0.0/16',
};
const NETWORK = { vpcId: 'vpc-1', privateSubnetIds: ['subnet-a', 'subnet-b', 'subnet-c'] };
const CLUSTER: SandboxClusterProps = { name: 'sandbox', region: 'eu-west-2', network: NETWORK };

function thrown(build: () => void): ValidationError {
  try {
    build();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('SandboxVpc refuses', () => {
  test.each<[string, Partial<SandboxVpcProps>, string]>([
    [
      'two zones',
      { availabilityZones: ['eu-west-2a', 'eu-west-2b'] },
      'availabilityZones must list exactly 3 zones, got 2',
    ],
    [
      'a zone of another region',
      { availabilityZones: ['eu-west-2a', 'eu-west-2b', 'us-east-1c'] },
      "availabilityZones 'us-east-1c' is not a zone of eu-west-2; use zone names of the region, such as eu-west-2a (zone ids like euw2-az1 are not accepted)",
    ],
    [
      'a zone id',
      { availabilityZones: ['euw2-az1', 'euw2-az2', 'euw2-az3'] },
      "availabilityZones 'euw2-az1' is not a zone of eu-west-2; use zone names of the region, such as eu-west-2a (zone ids like euw2-az1 are not accepted)",
    ],
    [
      'a zone twice',
      { availabilityZones: ['eu-west-2a', 'eu-west-2a', 'eu-west-2b'] },
      "availabilityZones lists 'eu-west-2a' twice; use 3 different zones",
    ],
    [
      'a CIDR that is not one',
      { cidr: '10.40.0/16' },
      "cidr '10.40.0/16' is not an IPv4 CIDR; use 'a.b.c.d/n', e.g. 10.20.0.0/16",
    ],
    [
      'an IPv6 CIDR',
      { cidr: 'fd00::/56' },
      "cidr 'fd00::/56' is not an IPv4 CIDR; use 'a.b.c.d/n', e.g. 10.20.0.0/16",
    ],
    [
      'host bits',
      { cidr: '10.40.1.0/16' },
      "cidr '10.40.1.0/16' has host bits set; use the network address '10.40.0.0/16'",
    ],
    [
      'a VPC too large',
      { cidr: '10.0.0.0/8' },
      "cidr '10.0.0.0/8' is a /8; use a prefix from /16 to /20",
    ],
    [
      'a VPC too small',
      { cidr: '10.40.0.0/24' },
      "cidr '10.40.0.0/24' is a /24; use a prefix from /16 to /20",
    ],
    [
      'a name resources cannot carry',
      { name: 'Sandbox_1' },
      "name 'Sandbox_1' is not a valid name; use 1 to 40 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (resource names are derived from it)",
    ],
    [
      'a region that is not one',
      { region: 'london' },
      "region 'london' is not an AWS region; use a region name such as eu-west-2",
    ],
    [
      'a retention CloudWatch does not offer',
      { flowLogRetentionDays: 100 },
      'flowLogRetentionDays 100 is not a retention CloudWatch Logs accepts; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    ],
  ])('%s', (_what, props, message) => {
    const err = thrown(() =>
      synthConstruct((s) => new SandboxVpc(s, 'Network', { ...VPC, ...props })),
    );
    expect(err.message).toBe(`test/Network: ${message}`);
    expect(err.path).toBe('test/Network');
  });
});

describe('SandboxCluster refuses', () => {
  test.each<[string, Partial<SandboxClusterProps>, string]>([
    [
      'the whole internet',
      { allowPublicEndpoint: ['0.0.0.0/0'] },
      "allowPublicEndpoint[0] '0.0.0.0/0' opens the API endpoint to the whole internet; list the networks that need it, none broader than a /8",
    ],
    [
      'the whole IPv6 internet',
      { allowPublicEndpoint: ['203.0.113.0/24', '::/0'] },
      "allowPublicEndpoint[1] '::/0' opens the API endpoint to the whole internet; list the networks that need it, none broader than a /8",
    ],
    [
      'half the internet',
      { allowPublicEndpoint: ['0.0.0.0/1'] },
      "allowPublicEndpoint[0] '0.0.0.0/1' opens the API endpoint to a /1; list the networks that need it, none broader than a /8",
    ],
    [
      'a /7',
      { allowPublicEndpoint: ['128.0.0.0/7'] },
      "allowPublicEndpoint[0] '128.0.0.0/7' opens the API endpoint to a /7; list the networks that need it, none broader than a /8",
    ],
    [
      'a CIDR with host bits',
      { allowPublicEndpoint: ['203.0.113.7/24'] },
      "allowPublicEndpoint[0] '203.0.113.7/24' has host bits set; use the network address '203.0.113.0/24'",
    ],
    [
      'a word',
      { allowPublicEndpoint: ['office'] },
      "allowPublicEndpoint[0] 'office' is not a CIDR; use 'a.b.c.d/n'",
    ],
    [
      'one subnet',
      { network: { vpcId: 'vpc-1', privateSubnetIds: ['subnet-a'] } },
      'network.privateSubnetIds must list at least 2 subnets (EKS needs two zones), got 1',
    ],
    [
      'a retention under a year',
      { logRetentionDays: 90 },
      'logRetentionDays must be at least 365 days, got 90',
    ],
    [
      'a retention CloudWatch does not offer',
      { logRetentionDays: 500 },
      'logRetentionDays 500 is not a retention CloudWatch Logs accepts; use one of 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    ],
    [
      'a name resources cannot carry',
      { name: '-sandbox' },
      "name '-sandbox' is not a valid name; use 1 to 40 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (resource names are derived from it)",
    ],
  ])('%s', (_what, props, message) => {
    const err = thrown(() =>
      synthConstruct((s) => new SandboxCluster(s, 'Cluster', { ...CLUSTER, ...props })),
    );
    expect(err.message).toBe(`test/Cluster: ${message}`);
  });

  test('and accepts a /8 and narrower, the boundary', () => {
    expect(() =>
      synthConstruct(
        (s) =>
          new SandboxCluster(s, 'Cluster', {
            ...CLUSTER,
            allowPublicEndpoint: ['10.0.0.0/8', '203.0.113.0/24'],
          }),
      ),
    ).not.toThrow();
  });
});

describe('the node pools refuse', () => {
  const POOL: NodePoolProps = {
    cluster: { clusterName: 'sandbox', clusterSecurityGroupId: 'sg-cluster' },
    network: { vpcId: 'vpc-1', privateSubnetIds: ['subnet-a'] },
    instanceTypes: ['m6i.large'],
    minSize: 1,
    desiredSize: 1,
    maxSize: 2,
  };
  test.each<[string, Partial<NodePoolProps>, string]>([
    ['no subnets', { subnetIds: [] }, 'subnetIds must list at least 1 subnets, got 0'],
    [
      'a network without private subnets',
      { network: { vpcId: 'vpc-1', privateSubnetIds: [] } },
      'network.privateSubnetIds must list at least 1 subnets, got 0',
    ],
    [
      'no instance types',
      { instanceTypes: [] },
      'instanceTypes must list at least 1 instance types, got 0',
    ],
    [
      'desired above max',
      { desiredSize: 3 },
      'minSize 1, desiredSize 3, maxSize 2: use whole numbers with 0 <= minSize <= desiredSize <= maxSize and maxSize >= 1',
    ],
    [
      'min above desired',
      { minSize: 2, desiredSize: 1 },
      'minSize 2, desiredSize 1, maxSize 2: use whole numbers with 0 <= minSize <= desiredSize <= maxSize and maxSize >= 1',
    ],
    [
      'a pool of nothing',
      { minSize: 0, desiredSize: 0, maxSize: 0 },
      'minSize 0, desiredSize 0, maxSize 0: use whole numbers with 0 <= minSize <= desiredSize <= maxSize and maxSize >= 1',
    ],
    [
      'half a node',
      { desiredSize: 1.5 },
      'minSize 1, desiredSize 1.5, maxSize 2: use whole numbers with 0 <= minSize <= desiredSize <= maxSize and maxSize >= 1',
    ],
    [
      'a disk the image does not fit',
      { diskGib: 8 },
      "diskGib 8: use a whole number of GiB from 20 (AL2023's image) to 16384 (gp3)",
    ],
  ])('%s', (_what, props, message) => {
    const err = thrown(() =>
      synthConstruct((s) => new SystemNodeGroup(s, 'System', { ...POOL, ...props })),
    );
    expect(err.message).toBe(`test/System: ${message}`);
  });
});

describe('the stores and keys refuse', () => {
  test.each<[string, (s: TerraformStack) => void, string]>([
    [
      'an artifact store name with capitals',
      (s) => new ArtifactStore(s, 'Store', { name: 'Research' }),
      "test/Store: name 'Research' is not a valid name; use 1 to 40 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (resource names are derived from it)",
    ],
    [
      'a bucket name with an underscore',
      (s) => new ArtifactStore(s, 'Store', { name: 'research', bucketName: 'my_bucket' }),
      `test/Store: bucketName 'my_bucket' is not a valid S3 bucket name; use 3 to 63 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`,
    ],
    [
      'a bucket name that is an IP address',
      (s) => new ArtifactStore(s, 'Store', { name: 'research', bucketName: '192.168.5.4' }),
      `test/Store: bucketName '192.168.5.4' is not a valid S3 bucket name (no '..', not an IP address); use 3 to 63 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`,
    ],
    [
      'a bucket name with a reserved suffix',
      (s) => new ArtifactStore(s, 'Store', { name: 'research', bucketName: 'results-s3alias' }),
      "test/Store: bucketName 'results-s3alias' uses a prefix or suffix S3 reserves; choose another name",
    ],
    [
      'an expiry of zero days',
      (s) => new ArtifactStore(s, 'Store', { name: 'research', expireAfterDays: 0 }),
      'test/Store: expireAfterDays 0: use a whole number of days, at least 1',
    ],
    [
      'a registry name with a slash',
      (s) => new ImageRegistry(s, 'Registry', { name: 'team/research' }),
      "test/Registry: name 'team/research' is not a valid name; use 1 to 40 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (resource names are derived from it)",
    ],
    [
      'a key alias under aws/',
      (s) => new CustomerKey(s, 'Key', { alias: 'aws/ebs' }),
      "test/Key: alias 'aws/ebs' is not a valid KMS alias; use 1 to 250 letters, digits, '/', '_' and '-', not starting with 'aws/' (KMS reserves it)",
    ],
    [
      'a key alias with a space',
      (s) => new CustomerKey(s, 'Key', { alias: 'my key' }),
      "test/Key: alias 'my key' is not a valid KMS alias; use 1 to 250 letters, digits, '/', '_' and '-', not starting with 'aws/' (KMS reserves it)",
    ],
  ])('%s', (_what, build, message) => {
    expect(thrown(() => synthConstruct(build)).message).toBe(message);
  });

  test('GIVEN valid names THEN nothing is refused (the checks are not blanket refusals)', () => {
    expect(() =>
      synthConstruct((s) => {
        new ArtifactStore(s, 'Store', { name: 'research', bucketName: 'research.results-1' });
        new ImageRegistry(s, 'Registry', { name: 'research' });
        new CustomerKey(s, 'Key', { alias: 'research/eks_secrets-1' });
      }),
    ).not.toThrow();
  });
});
