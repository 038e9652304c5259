import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseToml } from '../../support/toml';
import { parse as parseYaml } from 'yaml';
import {
  GvisorBootstrapOptions,
  RUNSC_CONFIG_PATH,
  containerdSnippet,
  installScript,
  nodeConfig,
  runscToml,
  userData,
} from '../../../constructs/aws/gvisor-bootstrap';
import { GVISOR_RUNTIME_HANDLER } from '../../../constructs/shared/platform';
import { ROOT, requireTool } from '../../support/tools';

const options: GvisorBootstrapOptions = {
  release: '20251110',
  mirror: 's3://mirror/gvisor',
  runscSha512: 'a'.repeat(128),
  shimSha512: 'b'.repeat(128),
};

/** The parts of a MIME multi-part document: content type and body. */
function mimeParts(doc: string): { type: string; body: string }[] {
  const boundary = /boundary="([^"]+)"/.exec(doc)?.[1];
  if (!boundary) throw new Error('no boundary');
  expect(doc.trimEnd().endsWith(`--${boundary}--`)).toBe(true);
  return doc
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((raw) => {
      const [head, ...body] = raw.replace(/^\n/, '').split('\n\n');
      return { type: /Content-Type: ([^;\n]+)/.exec(head)?.[1] ?? '', body: body.join('\n\n') };
    });
}

describe('gVisor node user data', () => {
  const parts = mimeParts(userData(options));

  test('GIVEN options THEN it is MIME multi-part: the NodeConfig first, then the install script', () => {
    expect(parts.map((p) => p.type)).toEqual(['application/node.eks.aws', 'text/x-shellscript']);
    expect(parts[0].body.trimEnd()).toBe(nodeConfig().trimEnd());
    expect(parts[1].body.trimEnd()).toBe(installScript(options).trimEnd());
  });

  test('GIVEN the NodeConfig THEN spec.containerd.config registers runsc on the containerd 2 CRI path', () => {
    const config = parseYaml(nodeConfig());
    expect(config.apiVersion).toBe('node.eks.aws/v1alpha1');
    expect(config.kind).toBe('NodeConfig');
    const toml = parseToml(config.spec.containerd.config);
    expect(Object.keys(toml.plugins)).toEqual(['io.containerd.cri.v1.runtime']);
    const runtime =
      toml.plugins['io.containerd.cri.v1.runtime'].containerd.runtimes[GVISOR_RUNTIME_HANDLER];
    expect(runtime).toEqual({
      runtime_type: 'io.containerd.runsc.v1',
      options: { TypeUrl: 'io.containerd.runsc.v1.options', ConfigPath: RUNSC_CONFIG_PATH },
    });
    expect(config.spec.containerd.config).toBe(containerdSnippet());
  });

  test('GIVEN runsc.toml THEN runsc uses the systrap platform', () => {
    expect(parseToml(runscToml())).toEqual({ runsc_config: { platform: 'systrap' } });
  });

  test('GIVEN sums THEN the script pins release, mirror and both sums, and fails closed', () => {
    const script = installScript(options);
    expect(script).toContain("RELEASE='20251110'");
    expect(script).toContain("MIRROR='s3://mirror/gvisor/20251110/x86_64'");
    expect(script).toContain(`RUNSC_SHA512='${'a'.repeat(128)}'`);
    expect(script).toContain(`SHIM_SHA512='${'b'.repeat(128)}'`);
    expect(script).toMatch(/^set -euo pipefail$/m);
    expect(script).toContain('systemctl mask --now kubelet.service');
    expect(script).toContain("trap 'fail");
  });

  test('GIVEN no sums THEN the script carries empty sums (and refuses to install; see the e2e tier)', () => {
    const script = installScript({ release: '20251110', mirror: 's3://m/gvisor' });
    expect(script).toContain("RUNSC_SHA512=''");
    expect(script).toContain("SHIM_SHA512=''");
  });
});

describe('shellcheck', () => {
  const shellcheck = requireTool(
    'shellcheck',
    'apt-get install -y shellcheck (Debian/Ubuntu) or brew install shellcheck',
  );
  // -x from the repository root: sourced files are followed (their `source=` paths are root-relative).
  const check = (file: string) =>
    spawnSync(shellcheck, ['--severity=style', '--shell=bash', '-x', file], {
      encoding: 'utf8',
      cwd: ROOT,
    });

  test.each([
    ['with sums', options],
    ['without sums', { release: '20251110', mirror: 's3://m/gvisor' }],
  ])('GIVEN the install script %s THEN shellcheck finds nothing', (_, o) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sc-')), 'install.sh');
    fs.writeFileSync(file, installScript(o));
    const r = check(file);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('GIVEN a script with a classic mistake THEN shellcheck reports it (the check can fail)', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sc-')), 'bad.sh');
    fs.writeFileSync(file, '#!/usr/bin/env bash\nrm -rf $1/*\n');
    expect(check(file).status).not.toBe(0);
  });

  const scripts = [
    ...fs
      .readdirSync(path.join(ROOT, 'scripts'))
      .filter((f) => f.endsWith('.sh'))
      .map((f) => `scripts/${f}`),
    ...fs.readdirSync(path.join(ROOT, 'scripts', 'aws')).map((f) => `scripts/aws/${f}`),
    '.ci/run',
  ];
  test.each(scripts)('GIVEN %s THEN shellcheck finds nothing', (file) => {
    const r = check(path.join(ROOT, file));
    expect(r.stdout + r.stderr).toBe('');
  });
});
