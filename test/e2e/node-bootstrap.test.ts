/**
 * The gVisor node bootstrap, checked by the programs a node runs, built from the Go module proxy by
 * scripts/build-node-tools.sh: nodeadm reads the MIME user data, containerd 2 loads the snippet,
 * the NodeConfig passes nodeadm's published schema on a real kube-apiserver, and the install script
 * runs inside a real gVisor sandbox (runsc, systrap) against a local stand-in for the S3 mirror.
 *
 * What cannot exist here: EC2 (IMDS is a local HTTP stand-in serving the user data) and S3 (the
 * `aws` command is a stand-in that copies from a folder).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Toml, parseToml, stringifyToml } from '../support/toml';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { ControlPlane } from '../../cli/local/control-plane';
import { KubeClient, KubeObject } from '../../cli/local/kube-client';
import {
  GvisorBootstrapOptions,
  RUNSC_CONFIG_PATH,
  containerdSnippet,
  installScript,
  nodeConfig,
  runscToml,
  userData,
} from '../../constructs/aws/gvisor-bootstrap';
import { GVISOR_RUNTIME_HANDLER } from '../../constructs/shared/platform';
import { ROOT, nodeTools } from '../support/tools';

jest.setTimeout(120_000);

let tools: Record<string, string>;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'eval-sandbox-node-'));

beforeAll(() => {
  tools = nodeTools();
}, 30 * 60_000);

describe('containerd 2 loads the NodeConfig snippet', () => {
  /**
   * A containerd 2 configuration shaped like the one nodeadm writes on AL2023 (runc the default
   * runtime, systemd cgroups); nodeadm merges `spec.containerd.config` into it as TOML tables.
   */
  const base = (version: number): Toml => ({
    version,
    root: '/var/lib/containerd',
    state: '/run/containerd',
    grpc: { address: '/run/containerd/containerd.sock' },
    plugins: {
      'io.containerd.cri.v1.runtime': {
        containerd: {
          default_runtime_name: 'runc',
          runtimes: {
            runc: {
              runtime_type: 'io.containerd.runc.v2',
              options: { BinaryName: '/usr/sbin/runc', SystemdCgroup: true },
            },
          },
        },
        cni: { bin_dirs: ['/opt/cni/bin'], conf_dir: '/etc/cni/net.d' },
      },
    },
  });

  function merge(into: Toml, from: Toml): Toml {
    for (const [k, v] of Object.entries(from)) {
      into[k] =
        v && typeof v === 'object' && !Array.isArray(v) && typeof into[k] === 'object'
          ? merge(into[k], v)
          : v;
    }
    return into;
  }

  /** `containerd config dump` of base+snippet: the parsed result and containerd's warnings. */
  function dump(version: number, snippet: string): { config: Toml; warnings: string[] } {
    const file = path.join(tmp(), 'config.toml');
    fs.writeFileSync(file, stringifyToml(merge(base(version), parseToml(snippet))));
    const r = spawnSync(tools.containerd, ['--config', file, 'config', 'dump'], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`containerd config dump failed: ${r.stderr}`);
    const warnings = r.stderr
      .split('\n')
      .filter((l) => /level=(warning|error)/.test(l) && !l.includes('Configuration migrated'));
    return { config: parseToml(r.stdout), warnings };
  }

  test.each([3, 4])(
    'GIVEN a version %i config with the snippet merged THEN runsc is a CRI runtime with its options, runc stays the default, and nothing is ignored',
    (version) => {
      const { config, warnings } = dump(version, containerdSnippet());
      expect(warnings).toEqual([]);
      const cri = config.plugins['io.containerd.cri.v1.runtime'].containerd;
      expect(cri.default_runtime_name).toBe('runc');
      expect(cri.runtimes[GVISOR_RUNTIME_HANDLER].runtime_type).toBe('io.containerd.runsc.v1');
      expect(cri.runtimes[GVISOR_RUNTIME_HANDLER].options).toEqual({
        TypeUrl: 'io.containerd.runsc.v1.options',
        ConfigPath: RUNSC_CONFIG_PATH,
      });
    },
  );

  test('GIVEN the containerd 1 plugin path instead THEN containerd ignores it (what this check catches)', () => {
    const old = containerdSnippet().replaceAll(
      'io.containerd.cri.v1.runtime',
      'io.containerd.grpc.v1.cri',
    );
    const { config, warnings } = dump(4, old);
    expect(warnings.join('\n')).toMatch(/Ignoring unknown key in TOML for plugin.*runtimes runsc/);
    expect(
      config.plugins['io.containerd.cri.v1.runtime'].containerd.runtimes.runsc,
    ).toBeUndefined();
  });
});

describe('nodeadm reads the user data as on a node', () => {
  const run = promisify(execFile);

  /** Runs `nodeadm config check` against a local IMDS stand-in that serves `data` as user data. */
  async function check(data: string): Promise<{ ok: boolean; output: string }> {
    const server = http.createServer((req, res) => {
      if (req.method === 'PUT' && req.url === '/latest/api/token') res.end('token');
      else if (req.method === 'GET' && req.url === '/latest/user-data') res.end(data);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const env = {
        ...process.env,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${port}/`,
      };
      const r = await run(tools.nodeadm, ['config', 'check'], { env });
      return { ok: true, output: r.stdout + r.stderr };
    } catch (e) {
      const err = e as { stdout: string; stderr: string };
      return { ok: false, output: err.stdout + err.stderr };
    } finally {
      server.close();
    }
  }

  const options: GvisorBootstrapOptions = { release: '20251110', mirror: 's3://m/gvisor' };

  test('GIVEN our MIME user data THEN nodeadm finds and decodes the NodeConfig part', async () => {
    const r = await check(userData(options));
    expect(r.output).toContain('"source":"imds://user-data"');
    expect(r.output).toContain('Configuration is valid');
    expect(r.ok).toBe(true);
  });

  test('GIVEN a NodeConfig of an unknown version THEN nodeadm refuses it (the check can fail)', async () => {
    const r = await check(userData(options).replace('node.eks.aws/v1alpha1', 'node.eks.aws/v9'));
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(
      /no kind \\"NodeConfig\\" is registered for version \\"node.eks.aws\/v9\\"/,
    );
  });

  test('GIVEN the NodeConfig under another content type THEN nodeadm finds none (the check can fail)', async () => {
    const r = await check(userData(options).replace('application/node.eks.aws', 'text/plain'));
    expect(r.ok).toBe(false);
    expect(r.output).toContain('Could not find NodeConfig within UserData');
  });
});

describe("the NodeConfig passes nodeadm's published schema on a real kube-apiserver", () => {
  let plane: ControlPlane;
  let admin: KubeClient;

  beforeAll(async () => {
    const [etcd, apiserver] = execFileSync(
      'bash',
      [path.join(ROOT, 'scripts', 'build-control-plane.sh')],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
      .trim()
      .split('\n');
    plane = await ControlPlane.start({ etcd, apiserver, stateDir: tmp() });
    admin = plane.admin();
    const [crd] = parseAllDocuments(fs.readFileSync(tools['nodeconfig-crd'], 'utf8'))
      .map((d) => d.toJS() as KubeObject)
      .filter((o) => o);
    const res = await admin.apply(crd);
    if (res.status >= 300) throw new Error(`NodeConfig CRD: ${res.status} ${res.body.message}`);
    for (let i = 0; i < 100; i++) {
      const got = await admin.request(
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
      );
      if (
        got.body.status?.conditions?.some(
          (c: KubeObject) => c.type === 'Established' && c.status === 'True',
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('NodeConfig CRD never became established');
  }, 30 * 60_000);

  afterAll(async () => {
    await plane?.stop();
  }, 60_000);

  /** A dry-run create of the NodeConfig as a cluster-scoped custom object, strict field validation. */
  const create = (config: KubeObject) =>
    admin.request(
      'POST',
      '/apis/node.eks.aws/v1alpha1/nodeconfigs?dryRun=All&fieldValidation=Strict',
      { ...config, metadata: { name: 'gvisor' } },
    );

  test('GIVEN our NodeConfig THEN strict validation accepts it', async () => {
    const res = await create(parseYaml(nodeConfig()));
    expect([res.status, res.body.message]).toEqual([201, undefined]);
  });

  test('GIVEN a misspelt field THEN strict validation rejects it (the check can fail)', async () => {
    const config = parseYaml(nodeConfig());
    config.spec.containerd = { configs: config.spec.containerd.config };
    const res = await create(config);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('unknown field "spec.containerd.configs"');
  });
});

describe('runsc of the gVisor release', () => {
  /** runsc.toml as flags, as containerd-shim-runsc-v1 passes them to runsc. */
  const flags = () =>
    Object.entries(parseToml(runscToml()).runsc_config).map(([k, v]) => `--${k}=${v}`);
  /** Runs `command` in a gVisor sandbox (host root as a throwaway overlay, no network). */
  const sandboxed = (extraFlags: string[], command: string[]) =>
    spawnSync(tools.runsc, [...extraFlags, '--network=none', 'do', ...command], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });

  test('GIVEN the flags of runsc.toml THEN runsc starts a sandbox with its own kernel', () => {
    expect(flags()).toEqual(['--platform=systrap']);
    const inside = sandboxed(flags(), ['/bin/uname', '-v']);
    expect(inside.stderr).toBe('');
    expect(inside.status).toBe(0);
    const host = execFileSync('uname', ['-v'], { encoding: 'utf8' });
    expect(inside.stdout.trim()).not.toBe(host.trim());
  });

  test('GIVEN an unknown platform THEN runsc refuses to start (the check can fail)', () => {
    const r = sandboxed(['--platform=nonesuch'], ['/bin/true']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('unknown platform: nonesuch');
  });
});

describe('the install script, run in a gVisor sandbox against a local mirror', () => {
  const release = '20251110';
  const sha512 = (file: string) => createHash('sha512').update(fs.readFileSync(file)).digest('hex');

  /**
   * Lays out a mirror holding `binaries`, stand-ins for `aws` (S3 → the folder) and `systemctl`
   * (records its arguments), runs the script in a sandbox and reports what it left behind.
   */
  function install(
    sums: Partial<GvisorBootstrapOptions>,
    binaries: Record<string, string> = {
      runsc: tools.runsc,
      'containerd-shim-runsc-v1': tools['containerd-shim-runsc-v1'],
    },
  ) {
    const dir = tmp();
    const mirror = path.join(dir, 'mirror', 'gvisor', release, 'x86_64');
    fs.mkdirSync(mirror, { recursive: true });
    for (const [name, file] of Object.entries(binaries))
      fs.copyFileSync(file, path.join(mirror, name));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'aws'),
      `#!/bin/bash\n# aws s3 cp --only-show-errors s3://BUCKET/KEY DEST\necho "$*" >> ${dir}/aws.log\ncp "${dir}/mirror/\${4#s3://bucket/}" "$5"\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(
      path.join(bin, 'systemctl'),
      `#!/bin/bash\necho "$*" >> ${dir}/systemctl.log\n`,
      { mode: 0o755 },
    );
    const script = path.join(dir, 'install.sh');
    fs.writeFileSync(script, installScript({ release, mirror: 's3://bucket/gvisor', ...sums }));
    const report = [
      `PATH=${bin}:$PATH bash ${script} > ${dir}/out.log 2>&1; echo "exit=$?"`,
      `echo "installed=$(ls /usr/local/bin | grep -E '^(runsc|containerd-shim-runsc-v1)$' | tr '\\n' ' ')"`,
      `echo "systemctl=$(cat ${dir}/systemctl.log 2>/dev/null)"`,
      `echo "downloads=$(wc -l < ${dir}/aws.log 2>/dev/null || echo 0)"`,
      `echo "runsc.toml<<"; cat ${RUNSC_CONFIG_PATH} 2>/dev/null; echo ">>"`,
      `echo "output<<"; cat ${dir}/out.log; echo ">>"`,
    ].join('\n');
    const r = spawnSync(
      tools.runsc,
      [...['--platform=systrap'], '--network=none', 'do', '/bin/bash', '-c', report],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 120_000,
      },
    );
    if (r.status !== 0) throw new Error(`sandbox failed: ${r.stderr}`);
    const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(r.stdout)?.[1]?.trim();
    const block = (name: string) =>
      new RegExp(`^${name}<<\\n([\\s\\S]*?)>>$`, 'm').exec(r.stdout)?.[1] ?? '';
    return {
      exit: Number(field('exit')),
      installed: field('installed'),
      systemctl: field('systemctl'),
      downloads: Number(field('downloads')),
      runscToml: block('runsc.toml'),
      output: block('output'),
    };
  }

  const goodSums = () => ({
    runscSha512: sha512(tools.runsc),
    shimSha512: sha512(tools['containerd-shim-runsc-v1']),
  });

  test('GIVEN the right sums THEN it installs both binaries, writes runsc.toml and leaves the kubelet alone', () => {
    const r = install(goodSums());
    expect(r.output).toContain(`eval-sandbox: gVisor ${release} installed and verified`);
    expect(r.exit).toBe(0);
    expect(r.installed).toBe('containerd-shim-runsc-v1 runsc');
    expect(r.runscToml).toBe(runscToml());
    expect(r.systemctl).toBe('');
    expect(r.downloads).toBe(2);
  });

  test('GIVEN a runsc that does not match its sum THEN nothing is installed and the kubelet is masked', () => {
    const r = install({ ...goodSums(), runscSha512: 'f'.repeat(128) });
    expect(r.output).toContain('runsc does not match its sha512');
    expect(r.exit).toBe(1);
    expect(r.installed).toBe('');
    expect(r.systemctl).toBe('mask --now kubelet.service');
  });

  test('GIVEN a shim that does not match its sum THEN nothing is installed and the kubelet is masked', () => {
    const r = install({ ...goodSums(), shimSha512: 'f'.repeat(128) });
    expect(r.output).toContain('containerd-shim-runsc-v1 does not match its sha512');
    expect([r.exit, r.installed, r.systemctl]).toEqual([1, '', 'mask --now kubelet.service']);
  });

  test('GIVEN no sums THEN it downloads nothing and masks the kubelet', () => {
    const r = install({});
    expect(r.output).toContain(`no sha512 configured for gVisor ${release}`);
    expect([r.exit, r.installed, r.systemctl, r.downloads]).toEqual([
      1,
      '',
      'mask --now kubelet.service',
      0,
    ]);
  });

  test('GIVEN a mirror without the shim THEN it fails closed', () => {
    const r = install(goodSums(), { runsc: tools.runsc });
    expect(r.output).toContain('cannot download containerd-shim-runsc-v1');
    expect([r.exit, r.installed, r.systemctl]).toEqual([1, '', 'mask --now kubelet.service']);
  });

  test('GIVEN a verified runsc that does not run THEN the kubelet is masked', () => {
    const broken = path.join(tmp(), 'runsc');
    fs.writeFileSync(broken, '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    const r = install(
      { runscSha512: sha512(broken), shimSha512: sha512(tools['containerd-shim-runsc-v1']) },
      { runsc: broken, 'containerd-shim-runsc-v1': tools['containerd-shim-runsc-v1'] },
    );
    expect(r.output).toContain('the installed runsc does not run');
    expect([r.exit, r.systemctl]).toEqual([1, 'mask --now kubelet.service']);
  });
});
