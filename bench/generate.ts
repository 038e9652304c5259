/**
 * Inputs the bench generates into temporary folders (never into the repository): N evaluation
 * specs for `eval-sandbox render`, and compliant Pods for `eval-sandbox policy check`, written as
 * a stream so a 50 MB file never sits in the bench's memory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { workload } from '../policies/k8s/fixtures/workloads';

/** Specs per file: a folder of files, as a team keeps them. */
const SPECS_PER_FILE = 1000;

/** The `i`-th evaluation: the shape of evaluations/example.yaml, varied a little per index. */
export function evaluationSpec(i: number): string {
  const name = `bench-${String(i).padStart(5, '0')}`;
  const digest = (i * 2654435761).toString(16).padStart(8, '0').slice(-8).repeat(8);
  return [
    'apiVersion: eval-sandbox.dev/v1alpha1',
    'kind: Evaluation',
    'metadata:',
    `  name: ${name}`,
    '  labels:',
    '    team: agents',
    `    dataset: swe-${i % 7}`,
    'spec:',
    `  image: registry.example.com/tasks/swe-${i % 13}@sha256:${digest}`,
    '  command: [python, -m, harness]',
    `  args: [--task, task-${i}]`,
    '  env:',
    '    LOG_LEVEL: info',
    '  resources:',
    `    cpu: '${1 + (i % 2)}'`,
    '    memory: 2Gi',
    '    ephemeralStorage: 4Gi',
    '  timeout: 1h',
    '  retries: 0',
    '  egress:',
    '    allow:',
    '      - cidr: 10.20.0.0/16',
    '        ports: [443]',
    '',
  ].join('\n');
}

/** Writes `n` specs into `dir` (files of up to 1,000 documents); returns `dir`. */
export function writeEvaluationSpecs(dir: string, n: number): string {
  fs.mkdirSync(dir, { recursive: true });
  for (let start = 0; start < n; start += SPECS_PER_FILE) {
    const docs: string[] = [];
    for (let i = start; i < Math.min(n, start + SPECS_PER_FILE); i++) docs.push(evaluationSpec(i));
    const file = path.join(
      dir,
      `evaluations-${String(start / SPECS_PER_FILE).padStart(3, '0')}.yaml`,
    );
    fs.writeFileSync(file, docs.join('---\n'));
  }
  return dir;
}

/** The namespace the generated Pods claim (policy check judges them as in a sandbox namespace). */
const POD_NAMESPACE = 'sbx-bench';

/** A compliant Pod (the policy fixtures' baseline), as a YAML document with a placeholder name. */
function podTemplate(): string {
  const pod = workload('Pod', 'NAME');
  pod.metadata.namespace = POD_NAMESPACE;
  return `---\n${stringify(pod)}`;
}

/**
 * Streams compliant Pods into `file` until it has `count` objects or reaches `bytes`, whichever
 * comes first; returns how many objects and bytes it wrote.
 */
export function writePods(
  file: string,
  limit: { count?: number; bytes?: number },
): { objects: number; bytes: number } {
  const template = podTemplate();
  const fd = fs.openSync(file, 'w');
  let objects = 0;
  let bytes = 0;
  try {
    const maxCount = limit.count ?? Number.POSITIVE_INFINITY;
    const maxBytes = limit.bytes ?? Number.POSITIVE_INFINITY;
    while (objects < maxCount && bytes < maxBytes) {
      const batch: string[] = [];
      for (let k = 0; k < 500 && objects < maxCount && bytes < maxBytes; k++) {
        const doc = template.replace('name: NAME', `name: pod-${objects}`);
        batch.push(doc);
        bytes += Buffer.byteLength(doc);
        objects++;
      }
      fs.writeSync(fd, batch.join(''));
    }
  } finally {
    fs.closeSync(fd);
  }
  return { objects, bytes };
}
