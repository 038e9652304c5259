/**
 * Building blocks for rules about pods and pod templates. Every workload rule sees the pod spec
 * through the same variables, whatever the kind:
 *
 * - `variables.spec`: the pod spec (Pod `spec`, CronJob `spec.jobTemplate.spec.template.spec`,
 *   otherwise `spec.template.spec`);
 * - `variables.path`: the field path of that pod spec, for messages;
 * - `variables.containers`, `variables.initContainers`, `variables.ephemeralContainers`: the lists,
 *   empty when absent;
 * - `variables.annotations`: the pod (template) annotations, empty when absent.
 */
import { AdmissionRule, celString, RuleMatch, RuleValidation, RuleVariable } from './rule';

const WRITE = ['CREATE', 'UPDATE'] as const;

/**
 * Pods and every kind with a pod template that the pack covers, on every write that can change a
 * pod spec: creates, updates, and the subresources that rewrite part of a running pod (ephemeral
 * containers, in-place resize).
 */
export const WORKLOAD_MATCH: RuleMatch[] = [
  {
    apiGroups: [''],
    resources: ['pods', 'pods/ephemeralcontainers', 'pods/resize', 'replicationcontrollers'],
    operations: [...WRITE],
  },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], operations: [...WRITE] },
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'statefulsets', 'replicasets'],
    operations: [...WRITE],
  },
];

const POD = "object.kind == 'Pod'";
const CRON = "object.kind == 'CronJob'";

export const WORKLOAD_VARIABLES: RuleVariable[] = [
  {
    name: 'spec',
    expression: `${POD} ? object.spec : (${CRON} ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec)`,
  },
  {
    name: 'path',
    expression: `${POD} ? 'spec' : (${CRON} ? 'spec.jobTemplate.spec.template.spec' : 'spec.template.spec')`,
  },
  {
    name: 'annotations',
    expression:
      `${POD} ? (has(object.metadata.annotations) ? object.metadata.annotations : {}) : (${CRON} ? ` +
      `(${present('object', 'spec', 'jobTemplate', 'spec', 'template', 'metadata', 'annotations')} ? object.spec.jobTemplate.spec.template.metadata.annotations : {}) : ` +
      `(${present('object', 'spec', 'template', 'metadata', 'annotations')} ? object.spec.template.metadata.annotations : {}))`,
  },
  {
    name: 'containers',
    expression: 'has(variables.spec.containers) ? variables.spec.containers : []',
  },
  {
    name: 'initContainers',
    expression: 'has(variables.spec.initContainers) ? variables.spec.initContainers : []',
  },
  {
    name: 'ephemeralContainers',
    expression: 'has(variables.spec.ephemeralContainers) ? variables.spec.ephemeralContainers : []',
  },
];

/** The container lists of a pod spec. */
export type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';
/** All three lists. */
export const ALL_CONTAINER_LISTS: ContainerList[] = [
  'containers',
  'initContainers',
  'ephemeralContainers',
];
/** Containers and init containers (ephemeral containers cannot set resources). */
export const RUNNING_CONTAINER_LISTS: ContainerList[] = ['containers', 'initContainers'];

/** `has(a.b) && has(a.b.c) …` for the path `a.b.c…` (base first, then fields). */
export function present(base: string, ...fields: string[]): string {
  const checks: string[] = [];
  let current = base;
  for (const f of fields) {
    current = `${current}.${f}`;
    checks.push(`has(${current})`);
  }
  return checks.join(' && ');
}

/** A field is set to exactly `value` (a CEL literal). */
export function equals(value: string, base: string, ...fields: string[]): string {
  return `(${present(base, ...fields)} && ${[base, ...fields].join('.')} == ${value})`;
}

/** A field is unset, or not equal to `value`. */
export function notEquals(value: string, base: string, ...fields: string[]): string {
  return `!${equals(value, base, ...fields)}`;
}

/**
 * One validation per container list: every container must satisfy `predicate(c)`. The message
 * names the list and the offending containers: `spec.containers[agent, tool].image: …`.
 */
export function everyContainer(
  id: string,
  lists: ContainerList[],
  predicate: (c: string) => string,
  field: string,
  what: string,
): RuleValidation[] {
  return lists.map((list) => ({
    expression: `variables.${list}.all(c, ${predicate('c')})`,
    messageExpression:
      `variables.path + ${celString(`.${list}[`)} + ` +
      `variables.${list}.filter(c, !(${predicate('c')})).map(c, c.name).join(', ') + ` +
      celString(`]${field}: ${what} [${id}]`),
  }));
}

/** A pod-level validation whose message starts with `<pod spec path>.<field>`. */
export function podField(
  id: string,
  expression: string,
  field: string,
  what: string,
): RuleValidation {
  return {
    expression,
    messageExpression: `variables.path + ${celString(`.${field}: ${what} [${id}]`)}`,
  };
}

/** The common part of a workload rule. */
export function workloadRule(
  rule: Omit<AdmissionRule, 'match' | 'scope' | 'variables'> & { match?: RuleMatch[] },
): AdmissionRule {
  return {
    match: WORKLOAD_MATCH,
    scope: 'sandbox-namespaces',
    variables: WORKLOAD_VARIABLES,
    ...rule,
  };
}
