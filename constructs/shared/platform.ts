/**
 * Platform-wide constants shared by both halves (framework-free).
 */

/** The Kubernetes minor the platform targets (EKS standard support to 2027-03). */
export const KUBERNETES_MINOR = '1.35';

/** The Pod Security Standards version pinned on sandbox namespaces. */
export const POD_SECURITY_VERSION = `v${KUBERNETES_MINOR}`;

/** Name of the RuntimeClass that runs pods under gVisor. */
export const GVISOR_RUNTIME_CLASS = 'gvisor';
/** The containerd runtime handler registered for gVisor on sandbox nodes. */
export const GVISOR_RUNTIME_HANDLER = 'runsc';

/**
 * The group of the platform identity (the GitOps controller, cluster operators): the only one that
 * may change a sandbox namespace's labels or RBAC objects in it.
 */
export const PLATFORM_GROUP = 'eval-sandbox:platform';

/** ClusterRole bound (per sandbox namespace) to the orchestrator that submits evaluations. */
export const RUNNER_CLUSTER_ROLE = 'eval-sandbox:runner';
/** ClusterRole bound (per sandbox namespace) to read-only auditors. */
export const AUDITOR_CLUSTER_ROLE = 'eval-sandbox:auditor';

/**
 * Cloud instance-metadata and credential endpoints a sandbox must never reach:
 * EC2 IMDS (IPv4 and IPv6), the EKS Pod Identity agent (IPv4 and IPv6).
 */
export const INSTANCE_METADATA_CIDRS: readonly string[] = [
  '169.254.169.254/32',
  '169.254.170.23/32',
  'fd00:ec2::254/128',
  'fd00:ec2::23/128',
];

/**
 * Link-local ranges. An egress allowlist may not target them (the IPv4 metadata endpoints live
 * there), and any broader range that contains them gets them as `except` entries. IPv4-mapped IPv6
 * addresses need no entry: they leave the pod as IPv4 packets and meet the IPv4 rules.
 */
export const LINK_LOCAL_CIDRS: readonly string[] = ['169.254.0.0/16', 'fe80::/10'];

/**
 * The PriorityClass of sandbox pods: a low value and `preemptionPolicy: Never`, so an agent never
 * preempts another tenant. Sandbox pods may name this class or none (SBX-R11).
 */
export const SANDBOX_PRIORITY_CLASS = 'eval-sandbox-sandbox';

/**
 * Every sandbox namespace's name starts with this prefix (enforced by the constructs and by
 * admission), so a binding anywhere can tell a sandbox's service accounts by their namespace.
 */
export const SANDBOX_NAMESPACE_PREFIX = 'sbx-';

/** The namespace of the platform's own workloads (the sandbox janitor). Pod Security restricted. */
export const PLATFORM_NAMESPACE = 'eval-sandbox-system';

/** Service account (in {@link PLATFORM_NAMESPACE}) and ClusterRole name of the sandbox janitor. */
export const JANITOR_NAME = 'sandbox-janitor';

/**
 * The longest interval between two runs of the sandbox janitor, in minutes. A failed Job must
 * outlive it several times over, so the janitor sees the failure (and keeps the dead letter)
 * before the Job's TTL removes it: see {@link MIN_TTL_AFTER_FINISHED_SECONDS}.
 */
export const JANITOR_MAX_INTERVAL_MINUTES = 5;

/**
 * The shortest `ttlSecondsAfterFinished` of an evaluation Job: three janitor intervals, so that even
 * a skipped janitor run or two leave the failure visible to it.
 */
export const MIN_TTL_AFTER_FINISHED_SECONDS = 3 * JANITOR_MAX_INTERVAL_MINUTES * 60;
