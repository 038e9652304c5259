import { POD_SECURITY_LABELS, SANDBOX_NAMESPACE_LABEL } from '../../../constructs/shared/labels';
import { AdmissionRule, celString, celStringList } from '../rule';

const ID = 'SBX-B1-sandbox-namespace-labels';

/** Labels only the platform identity may add, change or remove on a sandbox namespace. */
export const PROTECTED_LABELS = [SANDBOX_NAMESPACE_LABEL, ...Object.values(POD_SECURITY_LABELS)];

const OLD = 'oldObject.metadata.labels';
const NEW = '(has(object.metadata.labels) ? object.metadata.labels : {})';
const SAME = (k: string) =>
  `((${k} in ${OLD}) == (${k} in ${NEW}) && (!(${k} in ${OLD}) || ${OLD}[${k}] == ${NEW}[${k}]))`;

export const rule: AdmissionRule = {
  id: ID,
  title:
    'Only the platform identity may change a sandbox namespace’s sandbox and Pod Security labels',
  blocks:
    'Updates by anyone but the platform identity that add, change or remove the sandbox marker or a ' +
    'pod-security.kubernetes.io label of a namespace that is a sandbox, through the namespace itself or ' +
    'its status and finalize subresources.',
  why:
    'Removing the marker would take the namespace out of every policy binding; weakening the Pod Security ' +
    'labels would switch off Pod Security Admission.',
  severity: 'critical',
  enabledByDefault: true,
  scope: 'sandbox-namespace-objects',
  needsPlatformIdentity: true,
  // The labels can be rewritten through the status and finalize subresources as well.
  match: [
    {
      apiGroups: [''],
      resources: ['namespaces', 'namespaces/status', 'namespaces/finalize'],
      operations: ['UPDATE'],
    },
  ],
  matchConditions: [
    {
      name: 'was-a-sandbox',
      expression: `has(${OLD}) && ${celString(SANDBOX_NAMESPACE_LABEL)} in ${OLD} && ${OLD}[${celString(SANDBOX_NAMESPACE_LABEL)}] == 'true'`,
    },
  ],
  validations: [
    {
      expression: `variables.isPlatform || ${celStringList(PROTECTED_LABELS)}.all(k, ${SAME('k')})`,
      messageExpression:
        `'metadata.labels: ' + ${celStringList(PROTECTED_LABELS)}.filter(k, !${SAME('k')}).join(', ') + ` +
        `' may only be changed by the platform identity [${ID}]'`,
    },
  ],
};
