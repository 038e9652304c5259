// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase, bad, good } from '../fixtures/cases';

const R15 = 'SBX-R15-scheduling-isolation';

const HOST = 'kubernetes.io/hostname';
const term = (extra: Record<string, unknown> = {}) => ({
  labelSelector: { matchLabels: { app: 'victim' } },
  topologyKey: HOST,
  ...extra,
});

export const fixtures: FixtureCase[] = [
  good(
    R15,
    'Deployment',
    'same-namespace-affinity',
    'Affinity to pods of its own namespace',
    (s) => {
      s.affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term()] } };
    },
  ),
  good(
    R15,
    'Job',
    'same-namespace-anti-affinity',
    'Preferred anti-affinity to pods of its own namespace',
    (s) => {
      s.affinity = {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 50, podAffinityTerm: term() },
          ],
        },
      };
    },
  ),
  bad(
    R15,
    'Pod',
    'affinity-every-namespace',
    "Required affinity with namespaceSelector {}: co-locates the agent with another tenant's pod",
    (s) => {
      s.affinity = {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [term({ namespaceSelector: {} })],
        },
      };
    },
  ),
  bad(
    R15,
    'Job',
    'anti-affinity-kube-system',
    'Anti-affinity to kube-system pods: where it schedules tells which nodes run them',
    (s) => {
      s.affinity = {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [term({ namespaces: ['kube-system'] })],
        },
      };
    },
  ),
  bad(
    R15,
    'StatefulSet',
    'preferred-affinity-other-namespace',
    "Preferred affinity to another tenant's namespace",
    (s) => {
      s.affinity = {
        podAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              podAffinityTerm: term({
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'sbx-other' } },
              }),
            },
          ],
        },
      };
    },
  ),
  bad(
    R15,
    'CronJob',
    'preferred-anti-affinity-namespaces',
    'Preferred anti-affinity naming other namespaces',
    (s) => {
      s.affinity = {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, podAffinityTerm: term({ namespaces: ['sbx-other', 'kube-system'] }) },
          ],
        },
      };
    },
  ),
];
