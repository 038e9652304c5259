import { AdmissionRule } from '../rule';
import {
  containerNotUid0,
  NON_ROOT,
  POD_NOT_UID_0,
  USER_NAMESPACE,
} from '../r3-pod-security-restricted/rule';
import { ALL_CONTAINER_LISTS, everyContainer, podField, workloadRule } from '../workload';

const ID = 'SBX-R18-non-root-in-user-namespace';

export const rule: AdmissionRule = workloadRule({
  id: ID,
  title: 'Sandbox pods run as non-root in a user namespace too',
  blocks:
    'Pods and templates with hostUsers: false that run as uid 0 or do not set runAsNonRoot, which Pod ' +
    'Security restricted v1.35 (and so SBX-R3) allows in a user namespace.',
  why:
    'The platform promises non-root sandboxes. Root inside a user namespace is unprivileged on the host, ' +
    'but it is still root to the sandbox kernel (gVisor’s Sentry or, on a runc fallback, the node ' +
    'kernel’s namespaced capabilities) and to every file the pod mounts; keeping uid 0 out costs nothing.',
  severity: 'medium',
  enabledByDefault: true,
  validations: [
    podField(
      ID,
      `!(${USER_NAMESPACE}) || (${NON_ROOT})`,
      'securityContext.runAsNonRoot',
      'must be true on the pod or on every container, also with hostUsers: false',
    ),
    podField(
      ID,
      `!(${USER_NAMESPACE}) || ${POD_NOT_UID_0}`,
      'securityContext.runAsUser',
      'must not be 0, also with hostUsers: false',
    ),
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) => `!(${USER_NAMESPACE}) || ${containerNotUid0(c)}`,
      '.securityContext.runAsUser',
      'must not be 0, also with hostUsers: false',
    ),
  ],
});
