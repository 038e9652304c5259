import { AdmissionRule } from '../rule';
import { WORKLOAD_VARIABLES } from '../workload';

const ID = 'SBX-R7-bounded-runtime';

export const rule: AdmissionRule = {
  id: ID,
  title: 'Every sandbox run is bounded in time',
  blocks:
    'A bare Pod without activeDeadlineSeconds, a Job without it on the Job or its template, a CronJob ' +
    'without it on its job template.',
  why:
    'Runs whose client died kept running and piled up in a peer platform until the cluster was full; a ' +
    'deadline enforced by the cluster needs no client.',
  severity: 'high',
  enabledByDefault: true,
  scope: 'sandbox-namespaces',
  match: [
    { apiGroups: [''], resources: ['pods'], operations: ['CREATE'] },
    { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], operations: ['CREATE', 'UPDATE'] },
  ],
  variables: WORKLOAD_VARIABLES,
  validations: [
    {
      // Pods created by a controller (a Job, a ReplicaSet…) are bounded, or not, by their controller.
      expression:
        "object.kind != 'Pod' || has(object.spec.activeDeadlineSeconds) || " +
        '(has(object.metadata.ownerReferences) && object.metadata.ownerReferences.exists(o, has(o.controller) && o.controller))',
      messageExpression: `'spec.activeDeadlineSeconds: a bare Pod must set it [${ID}]'`,
    },
    {
      expression:
        "object.kind != 'Job' || has(object.spec.activeDeadlineSeconds) || has(object.spec.template.spec.activeDeadlineSeconds)",
      messageExpression: `'spec.activeDeadlineSeconds: a Job must set it (or spec.template.spec.activeDeadlineSeconds) [${ID}]'`,
    },
    {
      expression:
        "object.kind != 'CronJob' || has(object.spec.jobTemplate.spec.activeDeadlineSeconds) || " +
        'has(object.spec.jobTemplate.spec.template.spec.activeDeadlineSeconds)',
      messageExpression: `'spec.jobTemplate.spec.activeDeadlineSeconds: a CronJob must set it (or on its pod template) [${ID}]'`,
    },
  ],
};
