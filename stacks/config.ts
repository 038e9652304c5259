/**
 * Environments of the AWS stacks: typed, validated in one place. An invalid environment fails
 * synth with a message naming the environment and the field.
 */
import * as ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { isStrictCidr } from '../constructs/shared/network';
import { SANDBOX_INSTANCE_FAMILIES } from '../constructs/shared/node-capacity';

/** Instance families the gVisor pool may use (x86_64 Nitro instances; runsc systrap needs no nesting). */
export const GVISOR_INSTANCE_FAMILIES: string[] = [...SANDBOX_INSTANCE_FAMILIES];
/** Instance families the system pool may use. */
export const SYSTEM_INSTANCE_FAMILIES = ['t3', 't3a', 'm6i', 'm7i', 'm6a', 'm7a'];

const SHA512 = /^[a-f0-9]{128}$/;

function instanceType(families: string[]) {
  return z
    .string()
    .refine((t) => families.includes(t.split('.')[0]) && /^[a-z0-9]+\.[a-z0-9]+$/.test(t), {
      message: `must be an instance type of the families ${families.join(', ')} (for example ${families[0]}.xlarge)`,
    });
}

const cidr = z.string().refine(isStrictCidr, { message: "must be a CIDR such as '10.40.0.0/16'" });

const nodePool = (families: string[]) =>
  z
    .object({
      instanceTypes: z.array(instanceType(families)).min(1),
      minSize: z.number().int().min(0),
      desiredSize: z.number().int().min(0),
      maxSize: z.number().int().min(1),
      diskGib: z.number().int().min(20).max(2000),
    })
    .strict()
    .superRefine((p, ctx) => {
      if (p.minSize > p.maxSize)
        ctx.addIssue({
          code: 'custom',
          path: ['minSize'],
          message: `minSize ${p.minSize} is greater than maxSize ${p.maxSize}`,
        });
      if (p.desiredSize < p.minSize || p.desiredSize > p.maxSize) {
        ctx.addIssue({
          code: 'custom',
          path: ['desiredSize'],
          message: `desiredSize ${p.desiredSize} must lie between minSize ${p.minSize} and maxSize ${p.maxSize}`,
        });
      }
    });

/** A name stacks derive resource names from (an environment's, the account's). */
const STACK_NAME = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{1,20}$/,
    'must be 2–21 lowercase letters, digits or -, starting with a letter',
  );

const REGION = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as 'eu-west-2'");

/** Where a stack keeps its Terraform state (S3, native lock file). */
const STATE = z
  .object({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    key: z.string().min(1),
  })
  .strict();

export const EnvironmentSchema = z
  .object({
    /** Name used in resource names and the state key. */
    name: STACK_NAME,
    region: REGION,
    /** Exactly three availability zones of the region. */
    availabilityZones: z.array(z.string()).length(3),
    vpcCidr: cidr,
    /** No NAT gateways or public subnets: nodes reach AWS only through VPC endpoints. */
    fullyPrivate: z.boolean(),
    /** One NAT gateway instead of one per zone (dev: cheaper, one zone's failure cuts egress). */
    singleNatGateway: z.boolean().default(false),
    /** Interface endpoints in one zone instead of three (dev: cheaper, not zone-redundant). */
    singleZoneEndpoints: z.boolean().default(false),
    clusterName: z
      .string()
      .regex(
        /^[a-zA-Z][a-zA-Z0-9-]{0,99}$/,
        'must be 1–100 letters, digits or -, starting with a letter',
      ),
    /** CIDRs allowed to reach a public API endpoint; empty keeps the endpoint private only. */
    allowPublicEndpoint: z.array(cidr),
    /** IAM principals (role ARNs) given cluster-admin through access entries. */
    clusterAdmins: z.array(
      z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN'),
    ),
    /**
     * What runs the gVisor nodes: 'managed' (an EKS managed node group sized by `gvisorPool`) or
     * 'karpenter' (Karpenter's controller IAM, queue and node role on the AWS side; the NodePool
     * and EC2NodeClass in the platform chart, from this stack's outputs).
     */
    gvisorCapacity: z.enum(['managed', 'karpenter']).default('managed'),
    gvisorPool: nodePool(GVISOR_INSTANCE_FAMILIES),
    systemPool: nodePool(SYSTEM_INSTANCE_FAMILIES),
    runsc: z
      .object({
        /**
         * The private S3 bucket gVisor nodes install runsc from: the account's mirror (created by
         * the account stack, filled by scripts/aws/fill-runsc-mirror.sh), so the same name as
         * `runscMirrorBucket` of the account.
         */
        mirrorBucket: z
          .string()
          .regex(
            /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
            'must be an S3 bucket name (globally unique)',
          ),
        /** A dated gVisor release, e.g. '20251110'. */
        release: z
          .string()
          .regex(/^\d{8}(\.\d+)?$/, "must be a dated gVisor release such as '20251110'"),
        /**
         * sha512 of runsc and containerd-shim-runsc-v1 of that release, as printed by
         * scripts/aws/fill-runsc-mirror.sh. Without them the node bootstrap fails closed: the node
         * joins, but never accepts sandbox pods.
         */
        runscSha512: z
          .string()
          .regex(
            SHA512,
            'must be 128 lowercase hex characters (printed by scripts/aws/fill-runsc-mirror.sh)',
          )
          .optional(),
        shimSha512: z
          .string()
          .regex(
            SHA512,
            'must be 128 lowercase hex characters (printed by scripts/aws/fill-runsc-mirror.sh)',
          )
          .optional(),
        /** Refuse to synthesize without both sums (set it for production). */
        requireChecksums: z.boolean(),
      })
      .strict()
      .superRefine((r, ctx) => {
        if (r.requireChecksums && (!r.runscSha512 || !r.shimSha512)) {
          ctx.addIssue({
            code: 'custom',
            path: [r.runscSha512 ? 'shimSha512' : 'runscSha512'],
            message:
              'is required when requireChecksums is true: run scripts/aws/fill-runsc-mirror.sh and copy the sums it prints',
          });
        }
      }),
    /**
     * The VPC CNI's NetworkPolicy enforcement: 'strict' (default deny for every pod) in steady
     * state; 'standard' only for a new cluster's first apply, until the platform chart's
     * kube-system baseline is applied (docs/aws/deploy.md).
     */
    networkPolicyMode: z.enum(['strict', 'standard']).default('strict'),
    /**
     * How administrators reach the private API endpoint after apply: 'ssm' adds a relay instance
     * (AdminAccess) that Session Manager port-forwards through, and, in a fully private VPC, the
     * Session Manager endpoints; 'none' leaves it to you (a VPN, an in-VPC runner).
     */
    adminAccess: z.enum(['none', 'ssm']).default('none'),
    /**
     * A production environment: it must name at least one `clusterAdmins` role, since with the
     * private endpoint and no creator admin nobody could administer the cluster after apply.
     */
    production: z.boolean().default(false),
    /** Let `terraform destroy` delete the cluster (EKS deletion protection off). */
    allowClusterDeletion: z.boolean().default(false),
    /**
     * Terraform rule-pack findings this environment accepts, each with its reason (shown in every
     * report). The only way to synthesize a documented opt-out the pack refuses, such as
     * `allowPublicEndpoint` (SBX-TF1-eks-private-endpoint).
     */
    acknowledgements: z
      .array(
        z
          .object({
            rule: z.string().min(1),
            reason: z
              .string()
              .min(20, 'must say why the finding is accepted (at least 20 characters)'),
          })
          .strict(),
      )
      .default([]),
    state: STATE,
  })
  .strict()
  .superRefine((env, ctx) => {
    if (env.production && env.clusterAdmins.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['clusterAdmins'],
        message:
          'a production environment needs at least one IAM role ARN: the endpoint is private and the creator gets no admin rights, so nobody could administer the cluster after apply',
      });
    }
    env.availabilityZones.forEach((az, i) => {
      if (!az.startsWith(env.region) || !/^[a-z]$/.test(az.slice(env.region.length))) {
        ctx.addIssue({
          code: 'custom',
          path: ['availabilityZones', i],
          message: `'${az}' is not an availability zone of ${env.region} (e.g. ${env.region}a)`,
        });
      }
    });
    if (isStrictCidr(env.vpcCidr)) {
      const bits = ipaddr.parseCIDR(env.vpcCidr)[1];
      if (env.vpcCidr.includes(':') || bits < 16 || bits > 20) {
        ctx.addIssue({
          code: 'custom',
          path: ['vpcCidr'],
          message: `'${env.vpcCidr}' must be an IPv4 /16 to /20 (six subnets are carved from it)`,
        });
      }
    }
  });

export type Environment = z.infer<typeof EnvironmentSchema>;

/**
 * What exists once per AWS account and region, whatever the number of environments in it: the
 * runsc mirror, the Auto Scaling service-linked role the node volume keys name, and GuardDuty's one
 * detector. Applied (and the mirror filled) before any environment (docs/aws/deploy.md).
 */
export const AccountSchema = z
  .object({
    /** Prefix of the account stack's resource names. */
    name: STACK_NAME,
    region: REGION,
    /** The private S3 bucket the runsc mirror lives in (globally unique). */
    runscMirrorBucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (globally unique)'),
    /**
     * The account already has AWSServiceRoleForAutoScaling (it had an Auto Scaling group before):
     * the stack must not create it again (IAM refuses a second one).
     */
    autoScalingRoleExists: z.boolean().default(false),
    /**
     * GuardDuty EKS audit-log and runtime monitoring. One detector per account and region: set it
     * false when GuardDuty is already managed elsewhere (an Organizations delegated administrator).
     */
    threatDetection: z.boolean(),
    state: STATE,
  })
  .strict();

export type Account = z.infer<typeof AccountSchema>;

/** Validates the account; throws one error listing every problem with its field. */
export function parseAccount(raw: unknown): Account {
  const result = AccountSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(
    `the account (ACCOUNT in stacks/environments.ts) is invalid:\n${lines.join('\n')}`,
  );
}

/** Problems with running `env` in `account` (region, mirror), or none. */
export function accountMismatches(account: Account, env: Environment): string[] {
  const problems: string[] = [];
  if (env.region !== account.region)
    problems.push(
      `  region: '${env.region}' is not the account's region '${account.region}'; an account stack serves one region`,
    );
  if (env.runsc.mirrorBucket !== account.runscMirrorBucket)
    problems.push(
      `  runsc.mirrorBucket: '${env.runsc.mirrorBucket}' is not the account's mirror '${account.runscMirrorBucket}'; use the account's runscMirrorBucket`,
    );
  return problems;
}

/** Keys an environment no longer has, and where they went. */
const MOVED: Record<string, string> = {
  threatDetection:
    'moved to the account (ACCOUNT.threatDetection in stacks/environments.ts): GuardDuty has one detector per account and region, so a second environment could not create its own',
};

/** Validates `raw` as environment `name`; throws one error listing every problem with its field. */
export function parseEnvironment(name: string, raw: unknown): Environment {
  const moved =
    raw !== null && typeof raw === 'object' ? Object.keys(MOVED).filter((k) => k in raw) : [];
  const rest =
    moved.length > 0
      ? Object.fromEntries(Object.entries(raw as object).filter(([k]) => !moved.includes(k)))
      : raw;
  const result = EnvironmentSchema.safeParse(rest);
  if (result.success && moved.length === 0) return result.data;
  const lines = [
    ...moved.map((k) => `  ${k}: ${MOVED[k]}`),
    ...(result.success ? [] : result.error.issues).map(
      (i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`,
    ),
  ];
  throw new Error(`environment '${name}' is invalid:\n${lines.join('\n')}`);
}
