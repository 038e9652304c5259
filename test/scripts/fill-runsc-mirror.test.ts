/**
 * scripts/aws/fill-runsc-mirror.sh needs the internet and AWS, neither of which exists here; it runs
 * against stand-ins for `curl` (serving a local "release" folder) and `aws` (recording uploads), so
 * its verification and its output are tested. The real download has not been run.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../support/tools';

const SCRIPT = path.join(ROOT, 'scripts', 'aws', 'fill-runsc-mirror.sh');

function release(opts: { version?: string; corruptShim?: boolean } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fill-mirror-'));
  const files = path.join(dir, 'release');
  fs.mkdirSync(files);
  const runsc = `#!/bin/sh\necho "runsc version ${opts.version ?? 'release-20251110.0'}"\necho "spec: 1.2.1"\n`;
  const shim = '#!/bin/sh\nexit 0\n';
  const sums: Record<string, string> = {};
  for (const [name, body] of Object.entries({ runsc, 'containerd-shim-runsc-v1': shim })) {
    fs.writeFileSync(path.join(files, name), body);
    sums[name] = createHash('sha512').update(body).digest('hex');
    const published = opts.corruptShim && name !== 'runsc' ? '0'.repeat(128) : sums[name];
    fs.writeFileSync(path.join(files, `${name}.sha512`), `${published}  ${name}\n`);
  }
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  // curl ... -o FILE URL: serve URL's last path element from the release folder.
  fs.writeFileSync(
    path.join(bin, 'curl'),
    `#!/bin/bash\nout="" url=""\nwhile [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2;; --proto) shift 2;; -*) shift;; *) url="$1"; shift;; esac; done\necho "$url" >> ${dir}/curl.log\ncp "${files}/\${url##*/}" "$out"\n`,
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(bin, 'aws'), `#!/bin/bash\necho "$*" >> ${dir}/aws.log\n`, {
    mode: 0o755,
  });
  const run = (...args: string[]) =>
    spawnSync('bash', [SCRIPT, ...args], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
  const log = (name: string) =>
    fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), 'utf8') : '';
  return { run, log, sums };
}

describe('fill-runsc-mirror.sh', () => {
  test('GIVEN a release that verifies THEN it uploads both binaries under gvisor/<release>/x86_64 and prints the sums', () => {
    const r = release();
    const out = r.run('20251110', 'my-mirror');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(r.log('curl.log')).toContain(
      'https://storage.googleapis.com/gvisor/releases/release/20251110/x86_64/runsc',
    );
    expect(r.log('aws.log').trim().split('\n')).toEqual([
      's3 cp --only-show-errors runsc s3://my-mirror/gvisor/20251110/x86_64/runsc',
      's3 cp --only-show-errors containerd-shim-runsc-v1 s3://my-mirror/gvisor/20251110/x86_64/containerd-shim-runsc-v1',
    ]);
    expect(out.stdout).toContain(`runscSha512: '${r.sums.runsc}'`);
    expect(out.stdout).toContain(`shimSha512: '${r.sums['containerd-shim-runsc-v1']}'`);
  });

  test('GIVEN "-" as the bucket THEN it verifies and prints the sums without uploading', () => {
    const r = release();
    const out = r.run('20251110', '-');
    expect(out.status).toBe(0);
    expect(r.log('aws.log')).toBe('');
    expect(out.stdout).toContain(`runscSha512: '${r.sums.runsc}'`);
  });

  test('GIVEN a download that does not match its published sum THEN it uploads nothing and fails', () => {
    const r = release({ corruptShim: true });
    const out = r.run('20251110', 'my-mirror');
    expect(out.status).not.toBe(0);
    expect(out.stdout + out.stderr).toMatch(/containerd-shim-runsc-v1: FAILED/);
    expect(r.log('aws.log')).toBe('');
  });

  test('GIVEN a runsc that reports another release THEN it uploads nothing and fails', () => {
    const r = release({ version: 'release-20240101.0' });
    const out = r.run('20251110', 'my-mirror');
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('runsc does not report release-20251110.0');
    expect(r.log('aws.log')).toBe('');
  });

  test.each([[[]], [['2025', '-']], [['20251110']]])(
    'GIVEN bad arguments %j THEN it exits 2 with usage',
    (args) => {
      const out = release().run(...args);
      expect(out.status).toBe(2);
      expect(out.stderr).toMatch(/usage|RELEASE must be/);
    },
  );
});
