import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  EVALUATION_ID_LABEL,
  MANAGED_BY_LABEL,
  COMPONENT_LABEL,
  MODEL_LABEL,
  TASK_LABEL,
} from '../shared/labels';
import { KARPENTER_DO_NOT_DISRUPT_ANNOTATION } from '../shared/node-capacity';
import {
  GVISOR_RUNTIME_CLASS,
  JANITOR_MAX_INTERVAL_MINUTES,
  MIN_TTL_AFTER_FINISHED_SECONDS,
  SANDBOX_PRIORITY_CLASS,
} from '../shared/platform';
import {
  checkDigestPinnedImage,
  checkDnsLabel,
  checkInteger,
  checkLabelKey,
  checkLabelValue,
  slugify,
} from '../shared/validation';
import { DEFAULT_PARAMETERS } from '../../policies/k8s/parameters';
import { DEFAULT_JANITOR_OPTIONS } from './janitor-logic';

/**
 * The default `ttlSecondsAfterFinished`: the janitor's default dead-letter retention plus a day, so
 * a failed run's Job, pods and logs outlive its dead-letter sandbox.
 */
export const DEFAULT_TTL_AFTER_FINISHED_SECONDS =
  DEFAULT_JANITOR_OPTIONS.deadLetterRetentionSeconds + 24 * 3600;
import { check, checkCpu, checkSize, sizeKib, standardLabels } from './internal';

/** The name of the evaluation container in every evaluation pod. */
export const EVALUATION_CONTAINER_NAME = 'evaluation';

/** Default CPU request and limit of an evaluation container ({@link EvaluationJobOptions.cpu}). */
export const DEFAULT_EVALUATION_CPU = kplus.Cpu.units(1);
/** Default memory request and limit of an evaluation container ({@link EvaluationJobOptions.memory}). */
export const DEFAULT_EVALUATION_MEMORY = Size.gibibytes(2);
/** Default mount path of the scratch volume ({@link EvaluationJobOptions.scratchPath}). */
export const DEFAULT_SCRATCH_PATH = '/tmp';

/**
 * Options for an evaluation Job, without where it runs (shared with {@link EvaluationSandbox}).
 */
export interface EvaluationJobOptions {
  /**
   * The task image, pinned by digest: `registry/repo/name@sha256:<64 lowercase hex>`
   * (a tag before `@` is allowed and ignored by the runtime). Anything else throws.
   */
  readonly image: string;

  /** Evaluation id, recorded as the `eval-sandbox.io/evaluation-id` label (label-value syntax). */
  readonly evaluationId: string;

  /**
   * Task under evaluation, recorded as the `eval-sandbox.io/task` label.
   *
   * @default - no task label
   */
  readonly task?: string;

  /**
   * Model under evaluation, recorded as the `eval-sandbox.io/model` label (label-value syntax:
   * write `provider-model-name`, not `provider/model:name`).
   *
   * @default - no model label
   */
  readonly model?: string;

  /**
   * More provenance labels (commit, dataset, run group, …) on the Job and its pods.
   *
   * @default - none
   */
  readonly provenanceLabels?: Record<string, string>;

  /**
   * Name of the Job.
   *
   * @default - `eval-` followed by the evaluation id in lowercase, with characters a name cannot
   * hold replaced by '-'
   */
  readonly jobName?: string;

  /**
   * Entrypoint of the evaluation container.
   *
   * @default - the image's entrypoint
   */
  readonly command?: string[];

  /**
   * Arguments of the evaluation container.
   *
   * @default - the image's arguments
   */
  readonly args?: string[];

  /**
   * Plain environment variables (never secrets: the sandbox is untrusted).
   *
   * @default - none
   */
  readonly env?: Record<string, string>;

  /**
   * CPU request and limit (equal, so the pod is not overcommitted).
   *
   * @default Cpu.units(1)
   */
  readonly cpu?: kplus.Cpu;

  /**
   * Memory request and limit (equal).
   *
   * @default Size.gibibytes(2)
   */
  readonly memory?: Size;

  /**
   * Ephemeral-storage request and limit (equal), covering logs, writable layers and a scratch
   * volume on disk (`scratchOnDisk`; the default memory-backed scratch is not counted here): the
   * kubelet evicts the pod when its usage passes this, checked by polling.
   *
   * @default Size.gibibytes(4)
   */
  readonly ephemeralStorage?: Size;

  /**
   * Size limit of the writable scratch `emptyDir` (the root filesystem is read-only). The scratch
   * is memory-backed by default (see `scratchOnDisk`): it is charged to `memory` and must not
   * exceed it, so the evaluation's processes and its files share that limit. On disk it must not
   * exceed `ephemeralStorage` instead.
   *
   * @default Size.gibibytes(1)
   */
  readonly scratchSize?: Size;

  /**
   * Put the scratch `emptyDir` on the node's disk instead of in memory (`medium: Memory`, a
   * tmpfs).
   *
   * A memory-backed scratch has a hard bound: the kubelet sizes the tmpfs to `scratchSize`, so a
   * write past it fails at once with `ENOSPC`, and the tmpfs is charged to the pod's memory limit.
   * On disk, the kubelet enforces `scratchSize` and `ephemeralStorage` only by polling (its
   * eviction manager, about every 10 s). Measured on kubelet v1.35 with gVisor, a pod writing
   * zero-filled files into a 64Mi disk scratch wrote 39 GB before it was evicted: the node's disk
   * filled, the node went into DiskPressure and another tenant's pod was evicted too. Setting this
   * gives that up: an untrusted agent can then fill the node's disk between two polls and evict
   * other evaluations on the node.
   *
   * Acceptable only when the scratch must be larger than the memory you can give the evaluation
   * and the node (or its disk) holds no other tenant's pods, for example a dedicated node per
   * evaluation, or a node whose disk is much larger than what a pod can write in a few seconds.
   *
   * @default false - the scratch is a tmpfs sized to `scratchSize` and counted against `memory`
   */
  readonly scratchOnDisk?: boolean;

  /**
   * Where the scratch volume is mounted.
   *
   * @default '/tmp'
   */
  readonly scratchPath?: string;

  /**
   * How long the Job may run before Kubernetes kills it (`activeDeadlineSeconds`), at most 24 hours
   * (the admission pack's default bound, SBX-R7).
   *
   * @default Duration.hours(1)
   */
  readonly activeDeadline?: Duration;

  /**
   * How long a finished Job and its pods (and so its logs) are kept before the cluster deletes
   * them (`ttlSecondsAfterFinished`). The sandbox janitor deletes a completed run's whole sandbox
   * when it sees it, and keeps a failed one as a dead letter for its retention (7 days by
   * default), so the default outlives that retention: a dead letter keeps its logs. The TTL is
   * what cleans up when no janitor runs. At least 15 minutes: three janitor intervals, so the
   * janitor sees a failed Job before it is gone. A TTL shorter than the dead-letter retention
   * loses the failed run's logs (the sandbox is still kept and marked).
   *
   * @default Duration.days(8) - the janitor's default dead-letter retention plus a day
   */
  readonly ttlAfterFinished?: Duration;

  /**
   * How many times a failed run is run again (at most 5, the admission pack's default bound): a
   * non-zero exit of the evaluation container, or any other pod failure, counts one. With 0, the
   * first non-zero exit fails the Job at once. Node disruptions (drain, preemption, eviction for
   * the node's sake) are retried without counting, within `activeDeadline`, which bounds the Job.
   *
   * @default 0
   */
  readonly backoffLimit?: number;

  /**
   * User id the containers run as (never 0).
   *
   * @default 65532
   */
  readonly user?: number;

  /**
   * Group id the containers run as, also the `fsGroup` of volumes (never 0).
   *
   * @default 65532
   */
  readonly group?: number;
}

/**
 * Properties for {@link EvaluationJob}.
 */
export interface EvaluationJobProps extends EvaluationJobOptions {
  /**
   * Namespace of the Job.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;

  /**
   * Service account of the pods. Its token is never mounted.
   *
   * @default - the namespace's `default` service account
   */
  readonly serviceAccount?: kplus.IServiceAccount;
}

const RESERVED_PROVENANCE = new Set([
  EVALUATION_ID_LABEL,
  TASK_LABEL,
  MODEL_LABEL,
  MANAGED_BY_LABEL,
  COMPONENT_LABEL,
]);
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * A `batch/v1` Job for one evaluation, with every pod default of the platform: gVisor RuntimeClass,
 * non-root, read-only root filesystem with a size-limited, memory-backed scratch volume, all
 * capabilities dropped, no privilege escalation, RuntimeDefault seccomp, no service account token,
 * no service links, requests equal to limits for CPU, memory and ephemeral storage, a deadline, a
 * TTL and a pod failure policy. The image must be pinned by digest.
 */
export class EvaluationJob extends Construct {
  /** The Job name. */
  public readonly name: string;
  /** The image reference (digest-pinned). */
  public readonly image: string;
  /** CPU request = limit. */
  public readonly cpu: kplus.Cpu;
  /** Memory request = limit. */
  public readonly memory: Size;
  /** Ephemeral storage request = limit. */
  public readonly ephemeralStorage: Size;
  /** Scratch volume size limit. */
  public readonly scratchSize: Size;
  /**
   * Whether the scratch volume is on the node's disk (polled limit) rather than a tmpfs charged to
   * `memory` (hard limit, the default).
   */
  public readonly scratchOnDisk: boolean;
  /** Scratch mount path. */
  public readonly scratchPath: string;
  /** `activeDeadlineSeconds`. */
  public readonly activeDeadline: Duration;
  /** `ttlSecondsAfterFinished`. */
  public readonly ttlAfterFinished: Duration;
  /** `backoffLimit`. */
  public readonly backoffLimit: number;
  /** Run-as user. */
  public readonly user: number;
  /** Run-as group and fsGroup. */
  public readonly group: number;
  /** Labels on the Job and its pods (standard + provenance). */
  public readonly labels: Record<string, string>;
  /** The cdk8s-plus Job (escape hatch). */
  public readonly job: kplus.Job;
  /** The underlying API object, with the patches this construct applies. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: EvaluationJobProps) {
    super(scope, id);

    this.image = props.image;
    check(this, checkDigestPinnedImage('image', this.image));

    check(this, checkLabelValue('evaluationId', props.evaluationId));
    if (props.evaluationId === '')
      check(this, 'evaluationId is empty; give every evaluation an id');
    this.name = props.jobName ?? `eval-${slugify(props.evaluationId)}`;
    check(
      this,
      checkDnsLabel(
        props.jobName === undefined ? 'jobName (derived from evaluationId)' : 'jobName',
        this.name,
      ),
    );

    this.labels = { ...standardLabels('evaluation'), [EVALUATION_ID_LABEL]: props.evaluationId };
    if (props.task !== undefined) {
      check(this, checkLabelValue('task', props.task));
      this.labels[TASK_LABEL] = props.task;
    }
    if (props.model !== undefined) {
      check(this, checkLabelValue('model', props.model));
      this.labels[MODEL_LABEL] = props.model;
    }
    for (const [key, value] of Object.entries(props.provenanceLabels ?? {})) {
      check(this, checkLabelKey('provenanceLabels key', key));
      check(this, checkLabelValue(`provenanceLabels['${key}']`, value));
      if (RESERVED_PROVENANCE.has(key)) {
        check(
          this,
          `provenanceLabels may not set '${key}'; use the dedicated prop (evaluationId, task, model)`,
        );
      }
      this.labels[key] = value;
    }

    const env = props.env ?? {};
    for (const name of Object.keys(env)) {
      if (!ENV_NAME.test(name)) {
        check(
          this,
          `env name '${name}' is not valid; use letters, digits, '_', '-' and '.', not starting with a digit`,
        );
      }
    }

    this.cpu = props.cpu ?? DEFAULT_EVALUATION_CPU;
    this.memory = props.memory ?? DEFAULT_EVALUATION_MEMORY;
    this.ephemeralStorage = props.ephemeralStorage ?? Size.gibibytes(4);
    this.scratchSize = props.scratchSize ?? Size.gibibytes(1);
    this.scratchPath = props.scratchPath ?? DEFAULT_SCRATCH_PATH;
    this.scratchOnDisk = props.scratchOnDisk ?? false;
    check(this, checkCpu('cpu', this.cpu));
    check(this, checkSize('memory', this.memory));
    check(this, checkSize('ephemeralStorage', this.ephemeralStorage));
    check(this, checkSize('scratchSize', this.scratchSize));
    if (this.scratchOnDisk) {
      // A disk emptyDir is counted in the pod's ephemeral storage, so a larger sizeLimit could
      // never be reached: the pod would be evicted for ephemeralStorage first.
      if (sizeKib(this.scratchSize) > sizeKib(this.ephemeralStorage)) {
        check(
          this,
          `scratchSize '${this.scratchSize.asString()}' exceeds ephemeralStorage '${this.ephemeralStorage.asString()}'; ` +
            `raise ephemeralStorage or lower scratchSize`,
        );
      }
    } else if (sizeKib(this.scratchSize) > sizeKib(this.memory)) {
      // A memory-backed emptyDir is charged to the pod's memory, not to its ephemeral storage (the
      // kubelet leaves Memory-medium volumes out of ephemeral-storage accounting), so it is checked
      // against memory only; comparing it with ephemeralStorage would bound nothing.
      check(
        this,
        `scratchSize '${this.scratchSize.asString()}' exceeds memory '${this.memory.asString()}', and the ` +
          `memory-backed scratch is charged to memory; lower scratchSize, raise memory, or set scratchOnDisk ` +
          `(a disk scratch is bounded only by polling)`,
      );
    }
    if (!this.scratchPath.startsWith('/') || this.scratchPath === '/') {
      check(
        this,
        `scratchPath '${this.scratchPath}' must be an absolute path other than '/' (for example '/tmp')`,
      );
    }

    this.activeDeadline = props.activeDeadline ?? Duration.hours(1);
    this.ttlAfterFinished =
      props.ttlAfterFinished ?? Duration.seconds(DEFAULT_TTL_AFTER_FINISHED_SECONDS);
    this.backoffLimit = props.backoffLimit ?? 0;
    check(
      this,
      checkInteger(
        'activeDeadline (seconds)',
        this.activeDeadline.toSeconds(),
        1,
        DEFAULT_PARAMETERS.maxActiveDeadlineSeconds,
      ),
    );
    check(
      this,
      checkInteger(
        'ttlAfterFinished (seconds)',
        this.ttlAfterFinished.toSeconds(),
        MIN_TTL_AFTER_FINISHED_SECONDS,
        2_147_483_647,
      ) === undefined
        ? undefined
        : `ttlAfterFinished must be whole seconds from ${MIN_TTL_AFTER_FINISHED_SECONDS} ` +
            `(${MIN_TTL_AFTER_FINISHED_SECONDS / 60} minutes) up; got ${this.ttlAfterFinished.toSeconds()}: ` +
            `the sandbox janitor runs at least every ${JANITOR_MAX_INTERVAL_MINUTES} minutes and must see a ` +
            `failed Job before its TTL removes it, or the failed run is not kept as a dead letter`,
    );
    check(this, checkInteger('backoffLimit', this.backoffLimit, 0, DEFAULT_PARAMETERS.maxRetries));

    this.user = props.user ?? 65532;
    this.group = props.group ?? 65532;
    check(this, checkInteger('user', this.user, 1, 2_147_483_647));
    check(this, checkInteger('group', this.group, 1, 2_147_483_647));

    // A tmpfs sized to scratchSize by default: a hard bound, where a disk emptyDir's sizeLimit is
    // only polled (see scratchOnDisk).
    const scratch = kplus.Volume.fromEmptyDir(this, 'Scratch', 'scratch', {
      sizeLimit: this.scratchSize,
      medium: this.scratchOnDisk ? undefined : kplus.EmptyDirMedium.MEMORY,
    });
    this.job = new kplus.Job(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace, labels: this.labels },
      podMetadata: {
        labels: this.labels,
        // Karpenter must not drain a node under a running evaluation (inert without Karpenter).
        annotations: { [KARPENTER_DO_NOT_DISRUPT_ANNOTATION]: 'true' },
      },
      select: false,
      activeDeadline: this.activeDeadline,
      ttlAfterFinished: this.ttlAfterFinished,
      backoffLimit: this.backoffLimit,
      serviceAccount: props.serviceAccount,
      automountServiceAccountToken: false,
      hostNetwork: false,
      restartPolicy: kplus.RestartPolicy.NEVER,
      securityContext: {
        ensureNonRoot: true,
        user: this.user,
        group: this.group,
        fsGroup: this.group,
      },
      volumes: [scratch],
      containers: [
        {
          name: EVALUATION_CONTAINER_NAME,
          image: this.image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          command: props.command,
          args: props.args,
          envVariables: Object.fromEntries(
            Object.entries(env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)]),
          ),
          volumeMounts: [{ path: this.scratchPath, volume: scratch }],
          resources: {
            cpu: { request: this.cpu, limit: this.cpu },
            memory: { request: this.memory, limit: this.memory },
            ephemeralStorage: { request: this.ephemeralStorage, limit: this.ephemeralStorage },
          },
          securityContext: {
            ensureNonRoot: true,
            user: this.user,
            group: this.group,
            privileged: false,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: [kplus.Capability.ALL] },
            seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
          },
        },
      ],
    });

    // cdk8s-plus-28 has no props for these; each patch is asserted in the tests.
    this.resource = ApiObject.of(this.job);
    this.resource.addJsonPatch(
      JsonPatch.add('/spec/template/spec/runtimeClassName', GVISOR_RUNTIME_CLASS),
      JsonPatch.add('/spec/template/spec/enableServiceLinks', false),
      // The low, non-preempting sandbox class (SBX-R11 allows it or none).
      JsonPatch.add('/spec/template/spec/priorityClassName', SANDBOX_PRIORITY_CLASS),
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', {
        type: 'RuntimeDefault',
      }),
      JsonPatch.add('/spec/podFailurePolicy', {
        rules: [
          // A drained or preempted node is not the evaluation's fault: retry without counting.
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          // The evaluation's own failure: final without retries (no silent re-run of an agent);
          // with retries, it counts towards backoffLimit, so the run is re-run that many times.
          {
            action: this.backoffLimit === 0 ? 'FailJob' : 'Count',
            onExitCodes: {
              containerName: EVALUATION_CONTAINER_NAME,
              operator: 'NotIn',
              values: [0],
            },
          },
        ],
      }),
    );
    // Results leave through the Kubernetes API (ADR 0003): the evaluation writes them to stdout and
    // a short summary to /dev/termination-log; if it fails without writing one, the kubelet puts
    // the tail of its log in the termination message instead.
    this.resource.addJsonPatch(
      JsonPatch.add(
        '/spec/template/spec/containers/0/terminationMessagePolicy',
        'FallbackToLogsOnError',
      ),
    );
  }
}
