import {
  POD_SECURITY_LABELS,
  SANDBOX_NAMESPACE_LABEL,
  SANDBOX_NAMESPACE_LABEL_VALUE,
} from '../../../constructs/shared/labels';
import { ResolvedParameters } from '../parameters';
import { AdmissionRule, celString } from '../rule';

const ID = 'SBX-B3-sandbox-namespace-shape';

const LABELS = 'object.metadata.labels';
const label = (key: string) => `${LABELS}[${celString(key)}]`;
const has = (key: string) => `(${celString(key)} in ${LABELS})`;

export function rule(p: ResolvedParameters): AdmissionRule {
  const psa = POD_SECURITY_LABELS;
  return {
    id: ID,
    title:
      'A sandbox namespace is always Pod Security restricted at a pinned version and carries the sandbox name prefix',
    blocks:
      'Creating or updating (also through status and finalize) a namespace marked as a sandbox whose ' +
      `${psa.enforce} label is not restricted, whose ${psa.enforceVersion} is not a pinned v1.N, or whose ` +
      `name does not start with the sandbox prefix; for every identity, the platform included.`,
    why:
      'The marker binds every sandbox policy, and Pod Security Admission is the second layer under them: ' +
      'a namespace that claims to be a sandbox must have both. The prefix lets a binding anywhere in the ' +
      'cluster recognise a sandbox service account (SBX-B4), and keeps kube-system and default from ever ' +
      'being turned into a sandbox. A mistaken GitOps commit is refused as well.',
    severity: 'critical',
    enabledByDefault: true,
    scope: 'cluster',
    parameters: ['sandboxNamespacePrefix'],
    bound: `sandbox namespace names start with '${p.sandboxNamespacePrefix}'`,
    match: [
      { apiGroups: [''], resources: ['namespaces'], operations: ['CREATE', 'UPDATE'] },
      {
        apiGroups: [''],
        resources: ['namespaces/status', 'namespaces/finalize'],
        operations: ['UPDATE'],
      },
    ],
    matchConditions: [
      {
        name: 'is-a-sandbox',
        expression:
          `has(${LABELS}) && ${has(SANDBOX_NAMESPACE_LABEL)} && ` +
          `${label(SANDBOX_NAMESPACE_LABEL)} == ${celString(SANDBOX_NAMESPACE_LABEL_VALUE)}`,
      },
    ],
    validations: [
      {
        expression: `${has(psa.enforce)} && ${label(psa.enforce)} == 'restricted'`,
        messageExpression:
          `'metadata.labels[${psa.enforce}]: a sandbox namespace must enforce restricted, got ' + ` +
          `(${has(psa.enforce)} ? ${label(psa.enforce)} : 'none') + ' [${ID}]'`,
      },
      {
        expression: `${has(psa.enforceVersion)} && ${label(psa.enforceVersion)}.matches('^v1\\\\.[0-9]+$')`,
        messageExpression:
          `'metadata.labels[${psa.enforceVersion}]: must be a pinned version like v1.35, got ' + ` +
          `(${has(psa.enforceVersion)} ? ${label(psa.enforceVersion)} : 'none') + ' [${ID}]'`,
      },
      {
        expression: `object.metadata.name.startsWith(${celString(p.sandboxNamespacePrefix)})`,
        messageExpression: `'metadata.name: a sandbox namespace name must start with ${p.sandboxNamespacePrefix}, got ' + object.metadata.name + ' [${ID}]'`,
      },
    ],
  };
}
