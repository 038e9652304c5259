import {
  CONTROL_PLANE_LOG_TYPES,
  NetworkPolicyEnforcingMode,
  SandboxCluster,
  SandboxClusterProps,
} from '../../../constructs/aws/sandbox-cluster';
import { KUBERNETES_MINOR } from '../../../constructs/shared/platform';
import {
  Json,
  allPolicies,
  one,
  policy,
  resources,
  synthConstruct,
  synthConstructIn,
} from '../../support/aws';

const base: SandboxClusterProps = {
  name: 'sandbox',
  region: 'eu-west-2',
  network: { vpcId: 'vpc-1', privateSubnetIds: ['subnet-a', 'subnet-b', 'subnet-c'] },
};
const cluster = (props: Partial<SandboxClusterProps> = {}): Json =>
  synthConstruct((s) => new SandboxCluster(s, 'Cluster', { ...base, ...props }));

describe('SandboxCluster', () => {
  const json = cluster();
  const eks = one(json, 'aws_eks_cluster');

  test(`GIVEN defaults THEN EKS runs the target minor ${KUBERNETES_MINOR} on the private subnets`, () => {
    expect(KUBERNETES_MINOR).toBe('1.35');
    expect(eks.version).toBe(KUBERNETES_MINOR);
    expect(eks.vpc_config.subnet_ids).toEqual(['subnet-a', 'subnet-b', 'subnet-c']);
  });

  test('GIVEN defaults THEN the API endpoint is private only', () => {
    expect(eks.vpc_config.endpoint_private_access).toBe(true);
    expect(eks.vpc_config.endpoint_public_access).toBe(false);
    expect(eks.vpc_config.public_access_cidrs).toBeUndefined();
  });

  test('GIVEN allowPublicEndpoint with CIDRs THEN the public endpoint opens to exactly those', () => {
    const vpc = one(
      cluster({ allowPublicEndpoint: ['203.0.113.0/24'] }),
      'aws_eks_cluster',
    ).vpc_config;
    expect(vpc.endpoint_public_access).toBe(true);
    expect(vpc.endpoint_private_access).toBe(true);
    expect(vpc.public_access_cidrs).toEqual(['203.0.113.0/24']);
  });

  test('GIVEN defaults THEN Secrets are envelope-encrypted with a rotating customer key', () => {
    expect(eks.encryption_config).toEqual({
      resources: ['secrets'],
      provider: {
        key_arn: expect.stringMatching(/^\$\{aws_kms_key\.Cluster_SecretsKey_\w+\.arn\}$/),
      },
    });
    const key = one(json, 'aws_kms_key', 'SecretsKey');
    expect(key.enable_key_rotation).toBe(true);
    expect(key.rotation_period_in_days).toBe(365);
    expect(key.deletion_window_in_days).toBe(30);
  });

  test('GIVEN defaults THEN all five control-plane log types go to a KMS-encrypted group kept 365 days', () => {
    expect(eks.enabled_cluster_log_types).toEqual([
      'api',
      'audit',
      'authenticator',
      'controllerManager',
      'scheduler',
    ]);
    expect(CONTROL_PLANE_LOG_TYPES).toHaveLength(5);
    const group = one(json, 'aws_cloudwatch_log_group');
    expect(group.name).toBe('/aws/eks/sandbox/cluster');
    expect(group.retention_in_days).toBe(365);
    expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\.Cluster_LogKey_\w+\.arn\}$/);
    // The Logs service may use its key for this log group only (the documented condition).
    const logKey = one(json, 'aws_kms_key', 'LogKey');
    const logs = policy(logKey.policy).Statement.find((st) => st.Sid === 'CloudWatchLogsUse');
    expect(logs?.Principal).toEqual({ Service: 'logs.eu-west-2.amazonaws.com' });
    expect(logs?.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn']).toEqual([
      expect.stringMatching(/:logs:eu-west-2:\$\{[^}]+\}:log-group:\/aws\/eks\/sandbox\/cluster$/),
    ]);
    // Created before the cluster, or EKS creates it unencrypted with no expiry.
    expect(eks.depends_on).toEqual([
      expect.stringMatching(/^aws_cloudwatch_log_group\.Cluster_ControlPlaneLogs_/),
    ]);
  });

  test('GIVEN defaults THEN authentication is API access entries and the creator gets no admin', () => {
    expect(eks.access_config).toEqual({
      authentication_mode: 'API',
      bootstrap_cluster_creator_admin_permissions: false,
    });
    expect(resources(json, 'aws_eks_access_entry')).toEqual({});
  });

  test('GIVEN clusterAdmins THEN each gets an access entry with the cluster admin policy', () => {
    const json = cluster({ clusterAdmins: ['arn:aws:iam::123456789012:role/platform'] });
    expect(one(json, 'aws_eks_access_entry').principal_arn).toBe(
      'arn:aws:iam::123456789012:role/platform',
    );
    const association = one(json, 'aws_eks_access_policy_association');
    expect(association.policy_arn).toBe(
      'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
    );

    expect(association.access_scope).toEqual({ type: 'cluster' });
  });

  test('GIVEN defaults THEN EKS installs no unmanaged add-ons and the cluster is protected from deletion', () => {
    expect(eks.bootstrap_self_managed_addons).toBe(false);
    expect(eks.deletion_protection).toBe(true);
    expect(eks.upgrade_policy).toEqual({ support_type: 'STANDARD' });
  });

  test('GIVEN allowClusterDeletion THEN deletion protection is off', () => {
    expect(
      one(cluster({ allowClusterDeletion: true }), 'aws_eks_cluster').deletion_protection,
    ).toBe(false);
  });

  test('GIVEN defaults THEN the add-ons are vpc-cni, coredns, kube-proxy, pod identity agent and EBS CSI', () => {
    const names = Object.values(resources(json, 'aws_eks_addon'))
      .map((a) => a.addon_name)
      .sort();
    expect(names).toEqual([
      'aws-ebs-csi-driver',
      'coredns',
      'eks-pod-identity-agent',
      'kube-proxy',
      'vpc-cni',
    ]);
  });

  test('GIVEN defaults THEN the VPC CNI enforces NetworkPolicies in strict mode', () => {
    const cni = one(json, 'aws_eks_addon', 'VpcCni');
    const values = JSON.parse(cni.configuration_values);
    expect(values.enableNetworkPolicy).toBe('true');
    expect(values.env.NETWORK_POLICY_ENFORCING_MODE).toBe('strict');
    expect(cni.pod_identity_association).toEqual([
      { role_arn: expect.stringMatching(/VpcCniRole/), service_account: 'aws-node' },
    ]);
  });

  test('GIVEN networkPolicyEnforcingMode STANDARD THEN the agent runs in standard mode (the first-apply stage)', () => {
    const cni = one(
      cluster({ networkPolicyEnforcingMode: NetworkPolicyEnforcingMode.STANDARD }),
      'aws_eks_addon',
      'VpcCni',
    );
    expect(JSON.parse(cni.configuration_values)).toEqual({
      enableNetworkPolicy: 'true',
      nodeAgent: { enablePolicyEventLogs: 'true' },
      env: { NETWORK_POLICY_ENFORCING_MODE: 'standard' },
    });
  });

  test('GIVEN defaults THEN service roles are least privilege: trusted by one service, AWS managed policies, no * on *', () => {
    const trust = Object.values(resources(json, 'aws_iam_role')).map(
      (r) => policy(r.assume_role_policy).Statement[0].Principal.Service,
    );
    expect(trust.sort()).toEqual([
      'eks.amazonaws.com',
      'pods.eks.amazonaws.com',
      'pods.eks.amazonaws.com',
    ]);
    const attached = Object.values(resources(json, 'aws_iam_role_policy_attachment')).map((a) =>
      a.policy_arn.replace(/^.*:policy\//, ''),
    );
    expect(attached.sort()).toEqual([
      'AmazonEKSClusterPolicy',
      'AmazonEKS_CNI_Policy',
      'service-role/AmazonEBSCSIDriverPolicy',
    ]);
    for (const doc of allPolicies(json))
      for (const s of doc.Statement) {
        const isAccountKeyControl = s.Sid === 'AccountControl';
        if (!isAccountKeyControl) expect([s.Action, s.Resource]).not.toEqual(['*', '*']);
      }
  });

  test.each([
    ['eu-west-2', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
  ])(
    'GIVEN a provider in %s THEN managed-policy ARNs are literal, in partition %s',
    (region, partition) => {
      const json = synthConstructIn(
        region,
        (s) =>
          new SandboxCluster(s, 'Cluster', {
            ...base,
            region,
            clusterAdmins: ['arn:aws:iam::123456789012:role/a'],
          }),
      );
      const arns = Object.values(resources(json, 'aws_iam_role_policy_attachment')).map(
        (a) => a.policy_arn,
      );
      expect(arns).toContain(`arn:${partition}:iam::aws:policy/AmazonEKSClusterPolicy`);
      for (const arn of arns) expect(arn).toMatch(new RegExp(`^arn:${partition}:iam::aws:policy/`));
      expect(one(json, 'aws_eks_access_policy_association').policy_arn).toBe(
        `arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
      );
    },
  );
});
