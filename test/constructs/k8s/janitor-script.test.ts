import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decide, JanitorJob, JanitorNamespace } from '../../../constructs/k8s/janitor-logic';
import { janitorScript } from '../../../constructs/k8s/janitor-script';
import {
  EVALUATION_ID_LABEL,
  SANDBOX_EXPIRES_AT_ANNOTATION,
  SANDBOX_FAILED_AT_ANNOTATION,
  SANDBOX_NAMESPACE_LABEL,
  SANDBOX_OUTCOME_LABEL,
} from '../../../constructs/shared/labels';
import { CASES, NOW } from '../../support/janitor-cases';

// What the script's `-o jsonpath` listings print for these objects (the e2e tier runs the real kubectl).
function namespaceLines(nss: JanitorNamespace[]): string {
  return nss
    .filter((n) => n.metadata.labels?.[SANDBOX_NAMESPACE_LABEL] === 'true') // the -l selector
    .map((n) => {
      const m = n.metadata;
      return [
        m.name,
        m.creationTimestamp,
        m.deletionTimestamp ?? '',
        m.labels?.[SANDBOX_OUTCOME_LABEL] ?? '',
        m.annotations?.[SANDBOX_FAILED_AT_ANNOTATION] ?? '',
        m.annotations?.[SANDBOX_EXPIRES_AT_ANNOTATION] ?? '',
      ].join('|');
    })
    .map((l) => `${l}\n`)
    .join('');
}

function jobLines(jobs: JanitorJob[]): string {
  return jobs
    .filter((j) => j.metadata.labels?.[EVALUATION_ID_LABEL] !== undefined)
    .map(
      (j) =>
        `${j.metadata.namespace} ${j.metadata.name} ,` +
        (j.status?.conditions ?? [])
          .filter((c) => c.status === 'True')
          .map((c) => `${c.type},`)
          .join('') +
        '\n',
    )
    .join('');
}

const FAKE_KUBECTL = `#!/bin/sh
case "$1 $2" in
  "get jobs") cat "$FAKE/jobs" ;;
  "get namespaces") cat "$FAKE/namespaces" ;;
  "delete namespace"|"patch namespace") echo "$*" >> "$FAKE/calls"; [ "$3" != "$FAKE_FAIL" ] ;;
  *) echo "fake kubectl: unexpected $*" >&2; exit 2 ;;
esac
`;

function run(shell: string, nss: JanitorNamespace[], jobs: JanitorJob[], fail = '') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janitor-'));
  try {
    fs.writeFileSync(path.join(dir, 'kubectl'), FAKE_KUBECTL, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'janitor.sh'), janitorScript());
    fs.writeFileSync(path.join(dir, 'namespaces'), namespaceLines(nss));
    fs.writeFileSync(path.join(dir, 'jobs'), jobLines(jobs));
    let status = 0;
    let stdout: string;
    try {
      stdout = execFileSync(shell, [path.join(dir, 'janitor.sh')], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: `${dir}:${process.env.PATH ?? ''}`,
          FAKE: dir,
          FAKE_FAIL: fail,
          GRACE_SECONDS: '3600',
          RETENTION_SECONDS: String(7 * 24 * 3600),
          JANITOR_NOW: String(NOW.getTime() / 1000),
        },
      });
    } catch (e) {
      const err = e as { status: number; stdout: string };
      status = err.status;
      stdout = err.stdout;
    }
    const callsFile = path.join(dir, 'calls');
    const calls = fs.existsSync(callsFile)
      ? fs.readFileSync(callsFile, 'utf8').trim().split('\n')
      : [];
    const lines = stdout.trim().split('\n').filter(Boolean);
    return { status, lines, calls };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const all = Object.values(CASES);
const nss = all.map((c) => c.ns);
const jobs = all.flatMap((c) => c.jobs);

describe.each(['dash', 'busybox'])('janitor.sh under %s, against a fake kubectl', (shell) => {
  const sh = shell === 'busybox' ? 'busybox' : shell;
  // busybox runs its sh applet when called as `busybox sh script`.
  const runIn = (n: JanitorNamespace[], j: JanitorJob[], fail = '') =>
    sh === 'busybox' ? runBusybox(n, j, fail) : run(sh, n, j, fail);

  test('THEN it decides exactly what decide() decides, for every case', () => {
    const { status, lines } = runIn(nss, jobs);
    expect(status).toBe(0);
    const expected = decide(nss, jobs, NOW).map((d) => `${d.action} ${d.namespace} ${d.reason}`);
    expect([...lines].sort()).toEqual([...expected].sort());
  });

  test('THEN it deletes and marks exactly those namespaces, marking with the label and the time', () => {
    const { calls } = runIn(nss, jobs);
    const decisions = decide(nss, jobs, NOW);
    const expected = decisions.flatMap((d) =>
      d.action === 'delete'
        ? [`delete namespace ${d.namespace} --wait=false`]
        : d.action === 'mark-failed'
          ? [
              `patch namespace ${d.namespace} --type=merge -p ` +
                JSON.stringify({
                  metadata: {
                    labels: { [SANDBOX_OUTCOME_LABEL]: 'failed' },
                    annotations: { [SANDBOX_FAILED_AT_ANNOTATION]: '2026-06-01T12:00:00Z' },
                  },
                }),
            ]
          : [],
    );
    expect([...calls].sort()).toEqual([...expected].sort());
    expect(calls.length).toBeGreaterThan(5);
  });

  test('GIVEN one delete fails THEN it still handles the others and exits 1', () => {
    const { status, calls } = runIn(nss, jobs, 'sbx-complete');
    expect(status).toBe(1);
    expect(calls).toContain('delete namespace sbx-gone --wait=false');
  });
});

function runBusybox(n: JanitorNamespace[], j: JanitorJob[], fail: string) {
  // A one-line wrapper so execFileSync can call `busybox sh` like a shell.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janitor-bb-'));
  const wrapper = path.join(dir, 'bbsh');
  fs.writeFileSync(wrapper, '#!/bin/sh\nexec busybox sh "$@"\n', { mode: 0o755 });
  try {
    return run(wrapper, n, j, fail);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
