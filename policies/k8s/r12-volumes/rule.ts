import { ResolvedParameters } from '../parameters';
import { AdmissionRule, celString, RuleVariable } from '../rule';
import { RESTRICTED_VOLUME_TYPES } from '../r3-pod-security-restricted/rule';
import { podField, present, WORKLOAD_VARIABLES, workloadRule } from '../workload';

const ID = 'SBX-R12-volumes';

/** The volume types a sandbox needs (`csi` is added when parameters.allowInlineCsi is true). */
export const SANDBOX_VOLUME_TYPES = RESTRICTED_VOLUME_TYPES.filter((t) => t !== 'csi');

/**
 * The most generic ephemeral volumes one pod spec may declare. CEL has no fold, so the total is an
 * unrolled sum of this many terms.
 */
export const MAX_EPHEMERAL_VOLUMES = 8;

const REQUESTS = ['ephemeral', 'volumeClaimTemplate', 'spec', 'resources', 'requests'];
const STORAGE = `${REQUESTS.join('.')}.storage`;
const hasStorage = (v: string) =>
  `${present(v, ...REQUESTS)} && 'storage' in ${v}.${REQUESTS.join('.')}`;
const names = (list: string, predicate: (v: string) => string) =>
  `${list}.filter(v, ${predicate('v')}).map(v, v.name).join(', ')`;

export function rule(p: ResolvedParameters): AdmissionRule {
  const types = p.allowInlineCsi ? [...SANDBOX_VOLUME_TYPES, 'csi'].sort() : SANDBOX_VOLUME_TYPES;
  // Types outside Pod Security Restricted are SBX-R3's to refuse (hostPath, nfs…); this rule refuses
  // those Restricted allows and a sandbox does not need, so each attack trips one rule.
  const refused = RESTRICTED_VOLUME_TYPES.filter((t) => !types.includes(t));
  const typeOk = (v: string) => refused.map((t) => `!has(${v}.${t})`).join(' && ');
  const max = celString(p.maxVolumeStorage);
  // The sum, term by term; a fresh quantity('0') as the receiver, so no term is changed in place.
  const total = Array.from(
    { length: MAX_EPHEMERAL_VOLUMES },
    (_, i) =>
      `.add(size(variables.ephemeralStorage) > ${i} ? variables.ephemeralStorage[${i}] : quantity('0'))`,
  ).join('');
  const variables: RuleVariable[] = [
    ...WORKLOAD_VARIABLES,
    {
      name: 'ephemeralVolumes',
      expression:
        'has(variables.spec.volumes) ? variables.spec.volumes.filter(v, has(v.ephemeral)) : []',
    },
    {
      name: 'ephemeralStorage',
      expression: `variables.ephemeralVolumes.filter(v, ${hasStorage('v')}).map(v, quantity(string(v.${STORAGE})))`,
    },
  ];
  return {
    ...workloadRule({
      id: ID,
      title: 'Sandbox pods use only the volume types a sandbox needs, with bounded storage',
      blocks:
        `Volumes of a type Pod Security Restricted allows but a sandbox does not need ` +
        `(${refused.length > 0 ? refused.join(', ') : 'none with these parameters'}; SBX-R3 refuses the others); generic ephemeral ` +
        `volumes without a storage request, more than ${MAX_EPHEMERAL_VOLUMES} of them, or asking for more than ` +
        `${p.maxVolumeStorage} together; StatefulSet claim templates over ${p.maxVolumeStorage} each.`,
      why:
        'Inline CSI volumes mount whatever their driver serves (a secrets store, a network filesystem) with no ' +
        'claim that a quota counts. A generic ephemeral volume becomes a claim the pod cannot start without: ' +
        'bounding its size when the pod or template is submitted refuses a 16Ti scratch disk at once, instead ' +
        'of leaving pods pending on a claim the quota refuses. Pod Security Restricted (SBX-R3) allows both.',
      severity: 'high',
      enabledByDefault: true,
      parameters: ['allowInlineCsi', 'maxVolumeStorage'],
      bound: `generic ephemeral volumes of a pod ask for at most ${p.maxVolumeStorage} together; inline csi volumes are ${p.allowInlineCsi ? 'allowed' : 'refused'}`,
      validations: [
        ...(refused.length === 0
          ? []
          : [
              {
                expression: `!has(variables.spec.volumes) || variables.spec.volumes.all(v, ${typeOk('v')})`,
                messageExpression:
                  `variables.path + '.volumes[' + ${names('variables.spec.volumes', (v) => `!(${typeOk(v)})`)} + ` +
                  celString(
                    `]: ${refused.join(', ')} volumes are not allowed in a sandbox; use ${types.join(', ')} [${ID}]`,
                  ),
              },
            ]),
        {
          expression: `variables.ephemeralVolumes.all(v, ${hasStorage('v')})`,
          messageExpression:
            `variables.path + '.volumes[' + ${names('variables.ephemeralVolumes', (v) => `!(${hasStorage(v)})`)} + ` +
            celString(`].${STORAGE}: must be set, at most ${p.maxVolumeStorage} [${ID}]`),
        },
        podField(
          ID,
          `size(variables.ephemeralVolumes) <= ${MAX_EPHEMERAL_VOLUMES}`,
          'volumes',
          `at most ${MAX_EPHEMERAL_VOLUMES} generic ephemeral volumes`,
        ),
        {
          // A StatefulSet's claim templates become one claim per replica: each is bounded when
          // the StatefulSet is submitted (SBX-R17 and the quota bound the claims themselves).
          expression:
            "object.kind != 'StatefulSet' || !has(object.spec.volumeClaimTemplates) || " +
            `object.spec.volumeClaimTemplates.all(t, ${present('t', 'spec', 'resources', 'requests')} && ` +
            `'storage' in t.spec.resources.requests && ` +
            `!quantity(string(t.spec.resources.requests.storage)).isGreaterThan(quantity(${max})))`,
          messageExpression: celString(
            `spec.volumeClaimTemplates: each must ask for storage, at most ${p.maxVolumeStorage} [${ID}]`,
          ),
        },
        {
          expression: `!quantity('0')${total}.isGreaterThan(quantity(${max}))`,
          messageExpression:
            `variables.path + ${celString(`.volumes: generic ephemeral volumes ask for more than ${p.maxVolumeStorage} of storage in total (`)} + ` +
            `variables.ephemeralVolumes.filter(v, ${hasStorage('v')}).map(v, v.name + '=' + string(v.${STORAGE})).join(', ') + ` +
            celString(`) [${ID}]`),
        },
      ],
    }),
    variables,
  };
}
