import {
  Json,
  allPolicies,
  devEnvironment,
  one,
  policy,
  prodEnvironment,
  resources,
  synthPlatform,
} from '../support/aws';

/** Every statement of every policy document, with the resource type it came from. */
function statements(json: Json): Json[] {
  return allPolicies(json).flatMap((doc) => doc.Statement);
}
const list = (v: unknown): string[] => (Array.isArray(v) ? v : [v]) as string[];

describe('PlatformStack (dev)', () => {
  const { json, text } = synthPlatform();

  test('GIVEN defaults THEN state lives in S3, encrypted, with the native lock file', () => {
    expect(json.terraform.backend).toEqual({
      s3: {
        bucket: 'eval-sandbox-terraform-state',
        key: 'dev/platform.tfstate',
        region: 'eu-west-2',
        encrypt: true,
        use_lockfile: true,
      },
    });
    expect(text).not.toContain('dynamodb_table');
  });

  test('GIVEN defaults THEN the provider tags everything with the environment', () => {
    expect(json.provider.aws[0].default_tags).toEqual([
      { tags: { 'eval-sandbox:environment': 'dev', 'eval-sandbox:managed-by': 'cdktf' } },
    ]);
  });

  test('GIVEN defaults THEN no Allow grants every action, and only key policies and account-bound endpoint policies name every resource', () => {
    const allows = statements(json).filter((s) => s.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(10);
    for (const s of allows) {
      expect(list(s.Action)).not.toContain('*');
      const keyPolicy = list(s.Action).every((a) => a.startsWith('kms:'));
      const accountBound = s.Condition?.StringEquals?.['aws:PrincipalAccount'] !== undefined;
      if (!keyPolicy && !accountBound) expect(list(s.Resource)).not.toContain('*');
    }
  });

  test('GIVEN defaults THEN nodes and the cluster sit on the private subnets', () => {
    const privateSubnets = Object.keys(resources(json, 'aws_subnet'))
      .filter((id) => id.includes('Private'))
      .map((id) => `\${aws_subnet.${id}.id}`);
    expect(one(json, 'aws_eks_cluster').vpc_config.subnet_ids).toEqual(privateSubnets);
    for (const group of Object.values(resources(json, 'aws_eks_node_group')))
      expect(group.subnet_ids).toEqual(privateSubnets);
  });

  test('GIVEN defaults THEN gVisor nodes install the release from the account’s mirror, found by name', () => {
    const userData = Buffer.from(
      one(json, 'aws_launch_template', 'GvisorPool').user_data,
      'base64',
    ).toString();
    expect(userData).toContain("MIRROR='s3://eval-sandbox-runsc-mirror/gvisor/20251110/x86_64'");
    // The mirror belongs to the account stack: the environment only reads it.
    expect(Object.keys(resources(json, 'aws_s3_bucket'))).toEqual([
      expect.stringMatching(/^Artifacts_/),
    ]);
    const keyLookup = Object.entries(json.data.aws_kms_alias as Record<string, Json>);
    expect(keyLookup.map(([, v]) => v.name)).toEqual(['alias/eval-sandbox-runsc-mirror']);
    const [read, decrypt] = policy(
      one(json, 'aws_iam_role_policy', 'GvisorPool_MirrorRead').policy,
    ).Statement;
    expect(read.Resource).toMatch(
      /^arn:\$\{data\.aws_partition\.\w+\.partition\}:s3:::eval-sandbox-runsc-mirror\/gvisor\/\*$/,
    );
    expect(decrypt.Resource).toBe(`\${data.aws_kms_alias.${keyLookup[0][0]}.target_key_arn}`);
    // The pool waits, at plan time, for the mirror to hold the release.
    expect(one(json, 'aws_eks_node_group', 'GvisorPool').lifecycle.precondition).toHaveLength(2);
    // dev ships without sums: its gVisor nodes fail closed until fill-runsc-mirror.sh is run.
    expect(userData).toContain("RUNSC_SHA512=''");
  });

  test('GIVEN defaults THEN what the pools launch is tagged with the environment, for cost allocation', () => {
    for (const template of Object.values(resources(json, 'aws_launch_template')))
      for (const spec of template.tag_specifications)
        expect({ type: spec.resource_type, env: spec.tags['eval-sandbox:environment'] }).toEqual({
          type: spec.resource_type,
          env: 'dev',
        });
  });

  test('GIVEN defaults THEN add-ons that run pods wait for the system pool', () => {
    const systemPool = Object.keys(resources(json, 'aws_eks_node_group')).find((id) =>
      id.startsWith('SystemPool'),
    );
    for (const id of ['CoreDns', 'EbsCsi'])
      expect(one(json, 'aws_eks_addon', id).depends_on).toEqual(
        expect.arrayContaining([`aws_eks_node_group.${systemPool}`]),
      );
  });

  test('GIVEN defaults THEN nothing the account owns is created by an environment (GuardDuty, the service-linked role, the mirror)', () => {
    for (const env of [devEnvironment(), prodEnvironment()]) {
      const { json } = synthPlatform(env);
      for (const type of [
        'aws_guardduty_detector',
        'aws_guardduty_detector_feature',
        'aws_iam_service_linked_role',
      ])
        expect({ env: env.name, type, found: resources(json, type) }).toEqual({
          env: env.name,
          type,
          found: {},
        });
    }
  });

  test('GIVEN defaults THEN it outputs what a deployer needs: names, endpoint, CA, subnets, node roles, a kubeconfig command', () => {
    const [cluster] = Object.keys(resources(json, 'aws_eks_cluster'));
    const value = (name: string) => json.output[name].value;
    expect(Object.keys(json.output).sort()).toEqual([
      'artifact_bucket',
      'cluster_certificate_authority',
      'cluster_endpoint',
      'cluster_name',
      'gvisor_node_role_arn',
      'image_repository',
      'kubeconfig_command',
      'private_subnet_ids',
      'region',
      'system_node_role_arn',
    ]);
    expect(value('region')).toBe('eu-west-2');
    expect(value('cluster_endpoint')).toBe(`\${aws_eks_cluster.${cluster}.endpoint}`);
    expect(value('cluster_certificate_authority')).toBe(
      `\${aws_eks_cluster.${cluster}.certificate_authority[0].data}`,
    );
    expect(value('kubeconfig_command')).toBe(
      `aws eks update-kubeconfig --region eu-west-2 --name \${aws_eks_cluster.${cluster}.name}`,
    );
    expect(value('private_subnet_ids')).toHaveLength(3);
    expect(value('gvisor_node_role_arn')).toMatch(
      /^\$\{aws_iam_role\.GvisorPool_NodeRole_\w+\.arn\}$/,
    );
    expect(value('system_node_role_arn')).toMatch(
      /^\$\{aws_iam_role\.SystemPool_NodeRole_\w+\.arn\}$/,
    );
  });

  test('GIVEN defaults THEN each pool waits for its role, the add-ons nodes need and (gVisor) the mirror read', () => {
    const { json } = synthPlatform();
    const groups = resources(json, 'aws_eks_node_group');
    const dependsOn = (part: string) =>
      (Object.entries(groups).find(([id]) => id.includes(part))?.[1].depends_on ?? []) as string[];
    for (const pool of ['SystemPool', 'GvisorPool']) {
      const deps = dependsOn(pool);
      for (const addon of ['VpcCni', 'KubeProxy', 'PodIdentityAgent'])
        expect({
          pool,
          addon,
          waits: deps.some((d) => d.startsWith(`aws_eks_addon.Cluster_${addon}_`)),
        }).toEqual({ pool, addon, waits: true });
      // Both managed policies of the node role (worker node, registry pull).
      expect(
        deps.filter((d) => d.startsWith(`aws_iam_role_policy_attachment.${pool}_NodeRolePolicy`)),
      ).toHaveLength(2);
    }
    expect(
      dependsOn('GvisorPool').some((d) =>
        d.startsWith('aws_iam_role_policy.GvisorPool_MirrorRead_'),
      ),
    ).toBe(true);
    expect(dependsOn('SystemPool').some((d) => d.includes('MirrorRead'))).toBe(false);
  });

  test('GIVEN defaults THEN the synthesized stack is unchanged (review the diff when it changes)', () => {
    expect(json.resource).toMatchSnapshot();
  });
});

describe('PlatformStack opt-outs and settings from the environment', () => {
  test('GIVEN networkPolicyMode THEN the VPC CNI runs in it; the shipped environments are strict', () => {
    const mode = (json: Json) =>
      JSON.parse(one(json, 'aws_eks_addon', 'VpcCni').configuration_values).env
        .NETWORK_POLICY_ENFORCING_MODE;
    expect(mode(synthPlatform().json)).toBe('strict');
    expect(mode(synthPlatform(prodEnvironment()).json)).toBe('strict');
    expect(mode(synthPlatform(devEnvironment({ networkPolicyMode: 'standard' })).json)).toBe(
      'standard',
    );
    expect(() => devEnvironment({ networkPolicyMode: 'off' })).toThrow(/networkPolicyMode: /);
  });

  test('GIVEN the shipped environments THEN dev takes the cheaper network (one NAT, one-zone endpoints) and prod the redundant one', () => {
    const count = (json: Json, type: string) => Object.keys(resources(json, type)).length;
    expect(count(synthPlatform().json, 'aws_nat_gateway')).toBe(1);
    const prod = synthPlatform(prodEnvironment({ fullyPrivate: false })).json;
    expect(count(prod, 'aws_nat_gateway')).toBe(3);
    for (const e of Object.values(resources(prod, 'aws_vpc_endpoint')).filter(
      (e) => e.vpc_endpoint_type === 'Interface',
    ))
      expect(e.subnet_ids).toHaveLength(3);
  });

  test('GIVEN gvisorCapacity karpenter THEN no managed gVisor group, but Karpenter’s controller role, queue and node role, with the outputs its charts need; the rule pack passes', () => {
    const { json } = synthPlatform(devEnvironment({ gvisorCapacity: 'karpenter' }));
    expect(Object.keys(resources(json, 'aws_eks_node_group'))).toEqual([
      expect.stringMatching(/^SystemPool_/),
    ]);
    expect(Object.keys(resources(json, 'aws_sqs_queue'))).toHaveLength(1);
    expect(Object.keys(resources(json, 'aws_eks_pod_identity_association')).length).toBeGreaterThan(
      0,
    );
    expect(Object.keys(json.output)).toEqual(
      expect.arrayContaining([
        'karpenter_node_role_name',
        'karpenter_interruption_queue',
        'karpenter_volume_key_arn',
        'karpenter_controller_role_arn',
      ]),
    );
    expect(json.output).not.toHaveProperty('gvisor_node_role_arn');
    expect(() => devEnvironment({ gvisorCapacity: 'autoscaler' })).toThrow(/gvisorCapacity: /);
  });

  test('GIVEN adminAccess ssm (prod ships it) THEN a relay, Session Manager endpoints in the fully private VPC, and the port-forward command as an output; dev has none', () => {
    const { json } = synthPlatform(prodEnvironment());
    expect(Object.keys(resources(json, 'aws_instance'))).toHaveLength(1);
    const services = Object.values(resources(json, 'aws_vpc_endpoint')).map(
      (e) => e.service_name as string,
    );
    expect(services).toEqual(
      expect.arrayContaining([
        'com.amazonaws.eu-west-2.ssm',
        'com.amazonaws.eu-west-2.ssmmessages',
        'com.amazonaws.eu-west-2.ec2messages',
      ]),
    );
    expect(json.output.admin_port_forward_command.value).toMatch(
      /^aws ssm start-session --region eu-west-2 --target \$\{aws_instance\.AdminAccess_\w+\.id\} --document-name AWS-StartPortForwardingSessionToRemoteHost /,
    );
    const dev = synthPlatform().json;
    expect(resources(dev, 'aws_instance')).toEqual({});
    expect(dev.output).not.toHaveProperty('admin_port_forward_command');
  });

  test('GIVEN fullyPrivate THEN no NAT or internet gateway, and every endpoint remains', () => {
    const { json } = synthPlatform(devEnvironment({ fullyPrivate: true }));
    expect(resources(json, 'aws_nat_gateway')).toEqual({});
    expect(resources(json, 'aws_internet_gateway')).toEqual({});
    // ECR (api, dkr), STS, Logs, EC2, EKS, EKS Auth and the S3 gateway.
    expect(Object.keys(resources(json, 'aws_vpc_endpoint'))).toHaveLength(8);
  });

  test('GIVEN allowPublicEndpoint alone THEN the rule pack refuses it, naming the rule and the way out', () => {
    expect(() =>
      synthPlatform(devEnvironment({ allowPublicEndpoint: ['198.51.100.0/24'] })),
    ).toThrow(/SBX-TF1-eks-private-endpoint: .*fix it, or acknowledge it with a reason/);
  });

  test('GIVEN an acknowledgement without a reason THEN the environment is refused', () => {
    expect(() =>
      devEnvironment({
        acknowledgements: [{ rule: 'SBX-TF1-eks-private-endpoint', reason: 'ok' }],
      }),
    ).toThrow(/acknowledgements\.0\.reason: must say why the finding is accepted/);
  });

  test('GIVEN allowPublicEndpoint and its acknowledgement THEN the API is public to those CIDRs only', () => {
    const { json } = synthPlatform(
      devEnvironment({
        allowPublicEndpoint: ['198.51.100.0/24'],
        acknowledgements: [
          {
            rule: 'SBX-TF1-eks-private-endpoint',
            reason: 'the CI runners reach the API from 198.51.100.0/24 until the VPN lands',
          },
        ],
      }),
    );
    expect(one(json, 'aws_eks_cluster').vpc_config).toEqual(
      expect.objectContaining({
        endpoint_public_access: true,
        public_access_cidrs: ['198.51.100.0/24'],
      }),
    );
  });

  test('GIVEN allowClusterDeletion THEN EKS deletion protection is off (on by default)', () => {
    expect(one(synthPlatform().json, 'aws_eks_cluster').deletion_protection).toBe(true);
    const { json } = synthPlatform(devEnvironment({ allowClusterDeletion: true }));
    expect(one(json, 'aws_eks_cluster').deletion_protection).toBe(false);
  });

  test('GIVEN clusterAdmins THEN they get access entries', () => {
    const arn = 'arn:aws:iam::123456789012:role/platform-admins';
    const { json } = synthPlatform(devEnvironment({ clusterAdmins: [arn] }));
    expect(one(json, 'aws_eks_access_entry').principal_arn).toBe(arn);
  });

  test('GIVEN runsc sums THEN the gVisor user data carries them', () => {
    const sums = { runscSha512: '1'.repeat(128), shimSha512: '2'.repeat(128) };
    const env = devEnvironment({ runsc: { ...(devEnvironment().runsc as object), ...sums } });
    const userData = Buffer.from(
      one(synthPlatform(env).json, 'aws_launch_template', 'GvisorPool').user_data,
      'base64',
    ).toString();
    expect(userData).toContain(`RUNSC_SHA512='${sums.runscSha512}'`);
    expect(userData).toContain(`SHIM_SHA512='${sums.shimSha512}'`);
  });
});
