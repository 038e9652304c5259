import { AdmissionRule } from '../rule';
import { podField, present, workloadRule } from '../workload';

const ID = 'SBX-R15-scheduling-isolation';

/** The pod affinity term `t` applies to the pod's own namespace only. */
const OWN_NAMESPACE = (t: string) =>
  `(!has(${t}.namespaceSelector) && (!has(${t}.namespaces) || size(${t}.namespaces) == 0))`;

const REQUIRED = 'requiredDuringSchedulingIgnoredDuringExecution';
const PREFERRED = 'preferredDuringSchedulingIgnoredDuringExecution';

/** One validation per list of terms: podAffinity and podAntiAffinity, required and preferred. */
const TERM_LISTS = ['podAffinity', 'podAntiAffinity'].flatMap((kind) => [
  { kind, list: REQUIRED, field: `affinity.${kind}.${REQUIRED}`, ok: OWN_NAMESPACE('t') },
  {
    kind,
    list: PREFERRED,
    field: `affinity.${kind}.${PREFERRED}.podAffinityTerm`,
    ok: `(!has(t.podAffinityTerm) || ${OWN_NAMESPACE('t.podAffinityTerm')})`,
  },
]);

export const rule: AdmissionRule = workloadRule({
  id: ID,
  title: "Pod affinity and anti-affinity look at the pod's own namespace only",
  blocks:
    'podAffinity and podAntiAffinity terms, required or preferred, that set namespaceSelector or ' +
    'namespaces.',
  why:
    "A required affinity to another namespace's pods (namespaceSelector {} is every namespace) puts the agent " +
    "on the node of another tenant's workload, next to it for side channels and node-level escapes; " +
    "affinity and anti-affinity across namespaces also tell whoever submits the pod where other namespaces' " +
    'pods with given labels run, from whether and where it schedules.',
  severity: 'high',
  enabledByDefault: true,
  validations: TERM_LISTS.map(({ kind, list, field, ok }) =>
    podField(
      ID,
      `!(${present('variables.spec', 'affinity', kind, list)}) || variables.spec.affinity.${kind}.${list}.all(t, ${ok})`,
      field,
      'must not set namespaceSelector or namespaces: a term applies to the pod namespace only',
    ),
  ),
});
