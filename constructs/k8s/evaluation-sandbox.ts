import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { EgressPolicy, EgressRule } from './egress-policy';
import { EvaluationJob, EvaluationJobOptions } from './evaluation-job';
import { slugify } from '../shared/validation';
import { check, cpuMillis, sizeKib } from './internal';
import { PostureRecord } from './posture-record';
import { SandboxIdentity } from './sandbox-identity';
import { SandboxNamespace, SandboxNamespaceOptions } from './sandbox-namespace';

/**
 * Properties for {@link EvaluationSandbox}: the namespace options and the Job options, flat.
 */
export interface EvaluationSandboxProps extends SandboxNamespaceOptions, EvaluationJobOptions {
  /**
   * Name of the sandbox namespace.
   *
   * @default - `sbx-` followed by the evaluation id in lowercase, with characters a name cannot hold
   * replaced by '-'
   */
  readonly namespaceName?: string;

  /**
   * Name of the sandbox's service account.
   *
   * @default 'evaluator'
   */
  readonly serviceAccountName?: string;
}

/**
 * One evaluation, isolated: its own {@link SandboxNamespace} (PSA restricted, quota, default-deny
 * network), a {@link SandboxIdentity} with no rights, and an {@link EvaluationJob} running in gVisor
 * as that identity, with a {@link PostureRecord} of its effective posture beside the Job. This is
 * the construct most users need.
 *
 * ```ts
 * new EvaluationSandbox(chart, 'Run42', {
 *   evaluationId: 'run-42',
 *   image: 'registry.example.com/tasks/swe@sha256:…',
 *   egress: [{ cidr: '10.20.0.0/16', ports: [443] }],
 * });
 * ```
 */
export class EvaluationSandbox extends Construct {
  /** The namespace, with its quota and network policies. */
  public readonly namespace: SandboxNamespace;
  /** The service account the evaluation runs as. */
  public readonly identity: SandboxIdentity;
  /** The evaluation Job. */
  public readonly job: EvaluationJob;
  /** The record of the evaluation's effective posture (ConfigMap `<job name>-posture`). */
  public readonly posture: PostureRecord;

  constructor(scope: Construct, id: string, props: EvaluationSandboxProps) {
    super(scope, id);
    const namespaceName = props.namespaceName ?? `sbx-${slugify(props.evaluationId)}`;
    this.namespace = new SandboxNamespace(this, 'Namespace', { ...props, name: namespaceName });
    this.identity = new SandboxIdentity(this, 'Identity', {
      namespace: this.namespace.name,
      name: props.serviceAccountName,
    });
    this.job = new EvaluationJob(this, 'Job', {
      ...props,
      namespace: this.namespace.name,
      serviceAccount: this.identity.serviceAccount,
    });

    this.posture = new PostureRecord(this, 'Posture', {
      job: this.job,
      sandboxNamespace: this.namespace,
    });

    this.identity.node.addDependency(this.namespace.resource);
    this.job.node.addDependency(this.namespace.resource, this.identity);

    const ns = this.namespace;
    const job = this.job;
    const fits = (what: string, need: number, quota: number, quotaProp: string) => {
      if (need > quota) {
        check(
          this,
          `the job's ${what} exceeds the sandbox quota, so it could never start; raise ${quotaProp} or lower ${what}`,
        );
      }
    };
    fits('cpu', cpuMillis(job.cpu), cpuMillis(ns.quotaCpu), 'quotaCpu');
    fits('memory', sizeKib(job.memory), sizeKib(ns.quotaMemory), 'quotaMemory');
    fits(
      'ephemeralStorage',
      sizeKib(job.ephemeralStorage),
      sizeKib(ns.quotaEphemeralStorage),
      'quotaEphemeralStorage',
    );
  }

  /** Opens egress from the sandbox to `rule.cidr`; see {@link SandboxNamespace.allowEgressTo}. */
  public allowEgressTo(id: string, rule: EgressRule): EgressPolicy {
    return this.namespace.allowEgressTo(id, rule);
  }

  /** Lets `subject` run evaluations in this sandbox; see {@link SandboxNamespace.grantRunEvaluations}. */
  public grantRunEvaluations(subject: kplus.ISubject): kplus.k8s.KubeRoleBinding {
    return this.namespace.grantRunEvaluations(subject);
  }

  /** Lets `subject` read this sandbox; see {@link SandboxNamespace.grantAudit}. */
  public grantAudit(subject: kplus.ISubject): kplus.k8s.KubeRoleBinding {
    return this.namespace.grantAudit(subject);
  }
}
