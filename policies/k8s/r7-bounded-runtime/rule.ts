import { ResolvedParameters } from '../parameters';
import { AdmissionRule, celStringList } from '../rule';
import { present, RUNNING_CONTAINER_LISTS, WORKLOAD_MATCH, WORKLOAD_VARIABLES } from '../workload';

const ID = 'SBX-R7-bounded-runtime';

/** The Job API's default backoffLimit when none is set. */
const DEFAULT_BACKOFF_LIMIT = 6;
/** The pod API's default terminationGracePeriodSeconds when none is set. */
const DEFAULT_GRACE_SECONDS = 30;

/** Validations of a Job spec at `base` (a Job's `object.spec`, a CronJob's job template spec). */
function jobSpec(
  p: ResolvedParameters,
  kind: 'Job' | 'CronJob',
  base: string,
  path: string,
): AdmissionRule['validations'] {
  const when = (e: string) => `object.kind != '${kind}' || (${e})`;
  const msg = (field: string, what: string) => `'${path}.${field}: ${what} [${ID}]'`;
  const value = (field: string) => `(has(${base}.${field}) ? string(${base}.${field}) : 'unset')`;
  return [
    {
      expression: when(
        `has(${base}.activeDeadlineSeconds) && ${base}.activeDeadlineSeconds <= ${p.maxActiveDeadlineSeconds}`,
      ),
      messageExpression:
        `'${path}.activeDeadlineSeconds: the ${kind === 'Job' ? 'Job' : 'job template'} must set it, at most ${p.maxActiveDeadlineSeconds}, got ' + ` +
        `${value('activeDeadlineSeconds')} + ' [${ID}]'`,
    },
    {
      expression: when(
        `(has(${base}.backoffLimit) ? ${base}.backoffLimit : ${DEFAULT_BACKOFF_LIMIT}) <= ${p.maxRetries} && ` +
          `(!has(${base}.backoffLimitPerIndex) || ${base}.backoffLimitPerIndex <= ${p.maxRetries})`,
      ),
      messageExpression: msg(
        'backoffLimit',
        `retries (backoffLimit, backoffLimitPerIndex; unset backoffLimit means ${DEFAULT_BACKOFF_LIMIT}) must be at most ${p.maxRetries}`,
      ),
    },
    {
      expression: when(
        `(!has(${base}.completions) || ${base}.completions <= ${p.maxParallelism}) && ` +
          `(!has(${base}.parallelism) || ${base}.parallelism <= ${p.maxParallelism})`,
      ),
      messageExpression: msg(
        'completions',
        `completions and parallelism must be at most ${p.maxParallelism}`,
      ),
    },
    {
      // Ignoring exit codes makes every failure free: the Job re-runs the agent until its deadline.
      expression: when(
        `!has(${base}.podFailurePolicy) || !has(${base}.podFailurePolicy.rules) || ` +
          `${base}.podFailurePolicy.rules.all(r, r.action != 'Ignore' || !has(r.onExitCodes))`,
      ),
      messageExpression: msg(
        'podFailurePolicy.rules',
        'an Ignore rule may match pod conditions (disruptions) only, never exit codes',
      ),
    },
  ];
}

export function rule(p: ResolvedParameters): AdmissionRule {
  const grace = 'variables.spec.terminationGracePeriodSeconds';
  const probes = ['livenessProbe', 'startupProbe'];
  const probeGraceOk = (c: string) =>
    probes
      .map(
        (probe) =>
          `(!(${present(c, probe, 'terminationGracePeriodSeconds')}) || ${c}.${probe}.terminationGracePeriodSeconds <= ${p.maxTerminationGracePeriodSeconds})`,
      )
      .join(' && ');
  const controllers = celStringList(p.systemControllers);
  return {
    id: ID,
    title: 'Every sandbox run is bounded in time: deadline, grace period and retries',
    blocks:
      `A Job or CronJob job template without its own activeDeadlineSeconds or with one above ${p.maxActiveDeadlineSeconds} s; ` +
      `more than ${p.maxRetries} retries; more than ${p.maxParallelism} completions or parallel pods; a pod failure ` +
      'policy that ignores exit codes; a pod (or template) deadline above the bound; a bare Pod without a deadline ' +
      'unless the cluster’s Job or workload controllers created it (judged by who sends the request, not by ' +
      `ownerReferences, which any client can write); a termination grace period above ${p.maxTerminationGracePeriodSeconds} s, ` +
      'pod- or probe-level.',
    why:
      'Runs whose client died kept running and piled up in a peer platform until the cluster was full; a ' +
      'deadline enforced by the cluster needs no client, but only if it bounds the whole Job (a deadline on ' +
      'the pod template restarts with every retry) and the kill cannot be postponed by a long grace period ' +
      'behind a preStop hook.',
    severity: 'high',
    enabledByDefault: true,
    scope: 'sandbox-namespaces',
    parameters: [
      'maxActiveDeadlineSeconds',
      'maxTerminationGracePeriodSeconds',
      'maxRetries',
      'maxParallelism',
      'systemControllers',
    ],
    bound:
      `deadline ≤ ${p.maxActiveDeadlineSeconds} s on every Job and CronJob job template (and on pods that set one), ` +
      `grace period ≤ ${p.maxTerminationGracePeriodSeconds} s, retries ≤ ${p.maxRetries}, ` +
      `completions and parallelism ≤ ${p.maxParallelism}`,
    match: WORKLOAD_MATCH,
    variables: WORKLOAD_VARIABLES,
    validations: [
      {
        // Pods created by the Job (or ReplicaSet…) controller are bounded, or not, by their owner.
        expression:
          "object.kind != 'Pod' || request.operation != 'CREATE' || has(object.spec.activeDeadlineSeconds) || " +
          `request.userInfo.username in ${controllers}`,
        messageExpression: `'spec.activeDeadlineSeconds: a Pod not created by a workload controller must set it [${ID}]'`,
      },
      {
        expression: `!has(variables.spec.activeDeadlineSeconds) || variables.spec.activeDeadlineSeconds <= ${p.maxActiveDeadlineSeconds}`,
        messageExpression: `variables.path + '.activeDeadlineSeconds: must be at most ${p.maxActiveDeadlineSeconds}, got ' + string(variables.spec.activeDeadlineSeconds) + ' [${ID}]'`,
      },
      ...jobSpec(p, 'Job', 'object.spec', 'spec'),
      ...jobSpec(p, 'CronJob', 'object.spec.jobTemplate.spec', 'spec.jobTemplate.spec'),
      {
        expression: `(has(${grace}) ? ${grace} : ${DEFAULT_GRACE_SECONDS}) <= ${p.maxTerminationGracePeriodSeconds}`,
        messageExpression:
          `variables.path + '.terminationGracePeriodSeconds: must be at most ${p.maxTerminationGracePeriodSeconds} ` +
          `(unset means ${DEFAULT_GRACE_SECONDS}), got ' + (has(${grace}) ? string(${grace}) : 'unset') + ' [${ID}]'`,
      },
      ...RUNNING_CONTAINER_LISTS.map((list) => ({
        expression: `variables.${list}.all(c, ${probeGraceOk('c')})`,
        messageExpression:
          `variables.path + '.${list}[' + variables.${list}.filter(c, !(${probeGraceOk('c')})).map(c, c.name).join(', ') + ` +
          `']: probe terminationGracePeriodSeconds must be at most ${p.maxTerminationGracePeriodSeconds} [${ID}]'`,
      })),
    ],
  };
}
