/**
 * Parameters of the admission policy pack: the bounds the rules enforce.
 *
 * They are compiled into the CEL of each policy as literals when the pack is built (not read from a
 * parameter object at admission time), so the bound a cluster enforces is exactly the one in the
 * reviewed manifests, and no ConfigMap or custom resource exists that someone could edit to weaken
 * it. `eval-sandbox policy check` builds the default pack (these defaults, the platform group);
 * a platform with other parameters checks offline in code, with `PolicyEvaluator.forPack({ parameters })`.
 */
import { SANDBOX_NAMESPACE_PREFIX, SANDBOX_PRIORITY_CLASS } from '../../constructs/shared/platform';

/** Options a user may set; every field is optional and documents its default. */
export interface PolicyParameters {
  /**
   * The longest `activeDeadlineSeconds` a Job, CronJob job template or bare Pod may ask for.
   *
   * @default 86400 (24 hours)
   */
  readonly maxActiveDeadlineSeconds?: number;

  /**
   * The longest `terminationGracePeriodSeconds` (pod and probe level) a sandbox pod may ask for:
   * how long a killed agent may keep running behind a `preStop` hook.
   *
   * @default 30
   */
  readonly maxTerminationGracePeriodSeconds?: number;

  /**
   * The most re-runs a Job may ask for (`backoffLimit`, `backoffLimitPerIndex`).
   *
   * @default 5
   */
  readonly maxRetries?: number;

  /**
   * The most pods a Job may run at once or in total (`parallelism`, `completions`).
   *
   * @default 10
   */
  readonly maxParallelism?: number;

  /**
   * The only PriorityClass sandbox pods may name (or none).
   *
   * @default 'eval-sandbox-sandbox'
   */
  readonly sandboxPriorityClass?: string;

  /**
   * The most persistent storage one workload's volumes (generic ephemeral volumes) or one
   * PersistentVolumeClaim may ask for, as a Kubernetes quantity.
   *
   * @default '20Gi'
   */
  readonly maxVolumeStorage?: string;

  /**
   * Allow inline CSI volumes (`volumes[].csi`) in sandbox pods. They mount whatever the driver
   * serves (secrets stores, network filesystems) without a claim that a quota counts.
   *
   * @default false
   */
  readonly allowInlineCsi?: boolean;

  /**
   * Registry hosts (`host` or `host:port`) images may come from. Empty allows any registry except
   * loopback, link-local and metadata hosts, which are always refused.
   *
   * @default - any registry that is not a loopback, link-local or metadata host
   */
  readonly allowedRegistries?: string[];

  /**
   * Namespace of the cluster DNS pods: the only peer outside its own namespace that a sandbox
   * NetworkPolicy may name.
   *
   * @default 'kube-system'
   */
  readonly clusterDnsNamespace?: string;

  /**
   * Pod labels of the cluster DNS pods.
   *
   * @default { 'k8s-app': 'kube-dns' }
   */
  readonly clusterDnsPodLabels?: Record<string, string>;

  /**
   * Every sandbox namespace's name starts with this prefix, so that a binding anywhere in the
   * cluster can tell a sandbox service account by its namespace.
   *
   * @default 'sbx-'
   */
  readonly sandboxNamespacePrefix?: string;

  /**
   * User names of the cluster's own controllers: pods they create are bounded by their owner
   * (a Job's deadline), and their deletions (namespace clean-up, garbage collection) are not
   * refused by the boundary rules.
   *
   * @default - the kube-controller-manager and its per-controller service accounts
   */
  readonly systemControllers?: string[];
}

/** Every parameter, resolved. */
export type ResolvedParameters = { readonly [K in keyof PolicyParameters]-?: PolicyParameters[K] };

/** The identities of kube-controller-manager, with and without per-controller credentials. */
export const DEFAULT_SYSTEM_CONTROLLERS: readonly string[] = [
  'system:kube-controller-manager',
  'system:serviceaccount:kube-system:job-controller',
  'system:serviceaccount:kube-system:cronjob-controller',
  'system:serviceaccount:kube-system:replicaset-controller',
  'system:serviceaccount:kube-system:replication-controller',
  'system:serviceaccount:kube-system:statefulset-controller',
  'system:serviceaccount:kube-system:namespace-controller',
  'system:serviceaccount:kube-system:generic-garbage-collector',
  'system:serviceaccount:kube-system:endpoint-controller',
  'system:serviceaccount:kube-system:endpointslice-controller',
  'system:serviceaccount:kube-system:endpointslicemirroring-controller',
];

export const DEFAULT_PARAMETERS: ResolvedParameters = {
  maxActiveDeadlineSeconds: 86_400,
  maxTerminationGracePeriodSeconds: 30,
  maxRetries: 5,
  maxParallelism: 10,
  sandboxPriorityClass: SANDBOX_PRIORITY_CLASS,
  maxVolumeStorage: '20Gi',
  allowInlineCsi: false,
  allowedRegistries: [],
  clusterDnsNamespace: 'kube-system',
  clusterDnsPodLabels: { 'k8s-app': 'kube-dns' },
  sandboxNamespacePrefix: SANDBOX_NAMESPACE_PREFIX,
  systemControllers: [...DEFAULT_SYSTEM_CONTROLLERS],
};

const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const REGISTRY = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?$/;

function integer(name: string, value: number, min: number, max: number): string | undefined {
  if (!Number.isInteger(value) || value < min || value > max)
    return `parameters.${name}: must be a whole number from ${min} to ${max}, got ${String(value)}`;
  return undefined;
}

/** The problems with `p` (each names the parameter, what was given and what is allowed). */
export function parameterProblems(p: PolicyParameters = {}): string[] {
  const problems: (string | undefined)[] = [];
  if (p.maxActiveDeadlineSeconds !== undefined)
    problems.push(integer('maxActiveDeadlineSeconds', p.maxActiveDeadlineSeconds, 1, 2_592_000));
  if (p.maxTerminationGracePeriodSeconds !== undefined)
    problems.push(
      integer('maxTerminationGracePeriodSeconds', p.maxTerminationGracePeriodSeconds, 0, 3600),
    );
  if (p.maxRetries !== undefined) problems.push(integer('maxRetries', p.maxRetries, 0, 100));
  if (p.maxParallelism !== undefined)
    problems.push(integer('maxParallelism', p.maxParallelism, 1, 1000));
  if (p.sandboxPriorityClass !== undefined && !DNS_LABEL.test(p.sandboxPriorityClass))
    problems.push(
      `parameters.sandboxPriorityClass: '${p.sandboxPriorityClass}' is not a valid PriorityClass name (lowercase letters, digits and '-')`,
    );
  if (p.sandboxPriorityClass?.startsWith('system-'))
    problems.push(
      `parameters.sandboxPriorityClass: '${p.sandboxPriorityClass}' is a system class; sandboxes get a low class of their own`,
    );
  if (p.maxVolumeStorage !== undefined && !QUANTITY.test(p.maxVolumeStorage))
    problems.push(
      `parameters.maxVolumeStorage: '${p.maxVolumeStorage}' is not a quantity like '20Gi'`,
    );
  for (const r of p.allowedRegistries ?? [])
    if (!REGISTRY.test(r))
      problems.push(
        `parameters.allowedRegistries: '${r}' is not a registry host like 'registry.example.com' or 'host:5000'`,
      );
  if (p.clusterDnsNamespace !== undefined && !DNS_LABEL.test(p.clusterDnsNamespace))
    problems.push(
      `parameters.clusterDnsNamespace: '${p.clusterDnsNamespace}' is not a namespace name`,
    );
  if (p.clusterDnsPodLabels !== undefined && Object.keys(p.clusterDnsPodLabels).length === 0)
    problems.push(
      'parameters.clusterDnsPodLabels: empty; it would allow DNS to every pod of the DNS namespace, name the DNS pods',
    );
  if (
    p.sandboxNamespacePrefix !== undefined &&
    !/^[a-z0-9][-a-z0-9]{0,19}-$/.test(p.sandboxNamespacePrefix)
  )
    problems.push(
      `parameters.sandboxNamespacePrefix: '${p.sandboxNamespacePrefix}' must be a short name prefix ending in '-', like 'sbx-'`,
    );
  if (p.sandboxNamespacePrefix !== undefined && /^kube-/.test(p.sandboxNamespacePrefix))
    problems.push(`parameters.sandboxNamespacePrefix: 'kube-' namespaces belong to Kubernetes`);
  return problems.filter((x): x is string => x !== undefined);
}

/** `p` with defaults filled in; throws naming every bad parameter. */
export function resolveParameters(p: PolicyParameters = {}): ResolvedParameters {
  const problems = parameterProblems(p);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const defined = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_PARAMETERS, ...defined } as ResolvedParameters;
}
