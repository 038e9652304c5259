/**
 * The project's own images (images/, scripts/build-images.sh): built reproducibly, the digest the
 * constructs reference, and the conformance probe judged by real gVisor (runsc, systrap) from the
 * image's own layer and config, with runc-like negative controls on the host.
 *
 * What cannot exist here: a kubelet and containerd CRI (the OCI bundles stand in for what the
 * kubelet asks of runsc) and NetworkPolicies (`probe serve` stand-ins listen where a policy would
 * allow or drop traffic).
 */
import { ChildProcess, SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  JANITOR_IMAGE_DIGEST,
  JANITOR_IMAGE_REPOSITORY,
} from '../../constructs/shared/janitor-image';
import { PROBE_IMAGE_DIGEST, PROBE_IMAGE_REPOSITORY } from '../../constructs/shared/probe-image';
import {
  EGRESS_GATEWAY_IMAGE_DIGEST,
  EGRESS_GATEWAY_IMAGE_REPOSITORY,
} from '../../constructs/shared/egress-gateway-image';
import { renderSquidConfig } from '../../constructs/shared/egress-gateway-config';
import { janitorScript } from '../../constructs/k8s/janitor-script';
import { ROOT, nodeTools } from '../support/tools';

jest.setTimeout(120_000);

interface Built {
  probeArchive: string;
  probeRef: string;
  pauseArchive: string;
  pauseRef: string;
  probeBinary: string;
  janitorArchive: string;
  janitorRef: string;
  gatewayArchive: string;
  gatewayRef: string;
  stdout: string;
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

interface Report {
  probe: string;
  version: number;
  ok: boolean;
  checks: Check[];
}

const tmpDirs: string[] = [];
const tmp = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `eval-sandbox-${prefix}-`));
  tmpDirs.push(dir);
  return dir;
};
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function buildImages(env: NodeJS.ProcessEnv = {}): Built {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'build-images.sh')], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`scripts/build-images.sh failed:\n${r.stderr}`);
  const line = (kind: string) => {
    const found = r.stdout.split('\n').find((l) => l.startsWith(`${kind} `));
    if (!found) throw new Error(`no ${kind} line in:\n${r.stdout}`);
    return found.split(' ').slice(1);
  };
  const [probeArchive, probeRef] = line('probe-image');
  const [pauseArchive, pauseRef] = line('pause-image');
  const [janitorArchive, janitorRef] = line('janitor-image');
  const [gatewayArchive, gatewayRef] = line('gateway-image');
  return {
    probeArchive,
    probeRef,
    pauseArchive,
    pauseRef,
    probeBinary: line('probe-binary')[0],
    janitorArchive,
    janitorRef,
    gatewayArchive,
    gatewayRef,
    stdout: r.stdout,
  };
}

interface TarEntry {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  type: string;
  /** The target of a symbolic link. */
  link: string;
  data: Buffer;
}

/** Reads a ustar archive (what ocibuild writes). */
function readTar(buf: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  const str = (off: number, len: number) =>
    buf
      .subarray(off, off + len)
      .toString('latin1')
      .replace(/\0.*$/s, '');
  const oct = (off: number, len: number) => parseInt(str(off, len).trim() || '0', 8);
  for (let off = 0; off + 512 <= buf.length && buf[off] !== 0;) {
    const prefix = str(off + 345, 155);
    const size = oct(off + 124, 12);
    entries.push({
      name: prefix ? `${prefix}/${str(off, 100)}` : str(off, 100),
      mode: oct(off + 100, 8),
      uid: oct(off + 108, 8),
      gid: oct(off + 116, 8),
      mtime: oct(off + 136, 12),
      type: str(off + 156, 1),
      link: str(off + 157, 100),
      data: buf.subarray(off + 512, off + 512 + size),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

interface Image {
  entries: TarEntry[];
  index: {
    manifests: { digest: string; mediaType: string; annotations: Record<string, string> }[];
  };
  manifest: {
    config: { digest: string; mediaType: string };
    layers: { digest: string; mediaType: string; size: number }[];
  };
  config: {
    created: string;
    architecture: string;
    os: string;
    config: { User?: string; Env: string[]; Entrypoint: string[]; Cmd?: string[] };
    rootfs: { type: string; diff_ids: string[] };
  };
  layer: TarEntry[];
}

function readImage(archive: string): Image {
  const entries = readTar(fs.readFileSync(archive));
  const file = (name: string) => {
    const e = entries.find((x) => x.name === name);
    if (!e) throw new Error(`${archive} has no ${name}`);
    return e.data;
  };
  const blob = (digest: string) => file(`blobs/sha256/${digest.replace('sha256:', '')}`);
  const index = JSON.parse(file('index.json').toString()) as Image['index'];
  const manifest = JSON.parse(blob(index.manifests[0].digest).toString()) as Image['manifest'];
  const config = JSON.parse(blob(manifest.config.digest).toString()) as Image['config'];
  return { entries, index, manifest, config, layer: readTar(blob(manifest.layers[0].digest)) };
}

let built: Built;

beforeAll(() => {
  built = buildImages();
}, 10 * 60_000);

describe('reproducible images', () => {
  test('GIVEN a second run THEN the cache answers with the same artifacts', () => {
    const again = buildImages();
    expect(again.stdout).toBe(built.stdout);
  });

  test(
    'GIVEN empty tool and Go build caches THEN the rebuild is byte-identical',
    () => {
      const dir = tmp('images');
      try {
        const fresh = buildImages({
          EVAL_SANDBOX_TOOLS: path.join(dir, 'tools'),
          GOCACHE: path.join(dir, 'gocache'),
        });
        expect(fresh.probeArchive.startsWith(dir)).toBe(true);
        expect(fresh.probeRef).toBe(built.probeRef);
        expect(fresh.janitorRef).toBe(built.janitorRef);
        expect(fresh.gatewayRef).toBe(built.gatewayRef);
        expect(fresh.gatewayArchive.startsWith(dir)).toBe(true);
        for (const k of [
          'probeArchive',
          'pauseArchive',
          'probeBinary',
          'janitorArchive',
          'gatewayArchive',
        ] as const) {
          expect(sha256(fs.readFileSync(fresh[k]))).toBe(sha256(fs.readFileSync(built[k])));
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    // kubectl, compiled from an empty Go build cache, takes most of it.
    20 * 60_000,
  );

  test('THEN the probe digest is the one constructs/shared/probe-image.ts declares', () => {
    expect(built.probeRef.startsWith(`${PROBE_IMAGE_REPOSITORY}@sha256:`)).toBe(true);
    const digest = built.probeRef.split('@')[1];
    const verdict =
      digest === PROBE_IMAGE_DIGEST
        ? 'matches'
        : `the probe image now builds as ${digest}: set PROBE_IMAGE_DIGEST in constructs/shared/probe-image.ts to '${digest}', then run npm run synth and commit dist/`;
    expect(verdict).toBe('matches');
  });

  test('THEN the janitor digest is the one constructs/shared/janitor-image.ts declares', () => {
    expect(built.janitorRef.startsWith(`${JANITOR_IMAGE_REPOSITORY}@sha256:`)).toBe(true);
    const digest = built.janitorRef.split('@')[1];
    const verdict =
      digest === JANITOR_IMAGE_DIGEST
        ? 'matches'
        : `the janitor image now builds as ${digest}: set JANITOR_IMAGE_DIGEST in constructs/shared/janitor-image.ts to '${digest}', then run npm run synth and commit dist/`;
    expect(verdict).toBe('matches');
  });
});

test('THEN the egress gateway digest is the one constructs/shared/egress-gateway-image.ts declares', () => {
  expect(built.gatewayRef.startsWith(`${EGRESS_GATEWAY_IMAGE_REPOSITORY}@sha256:`)).toBe(true);
  const digest = built.gatewayRef.split('@')[1];
  const verdict =
    digest === EGRESS_GATEWAY_IMAGE_DIGEST
      ? 'matches'
      : `the egress gateway image now builds as ${digest}: set EGRESS_GATEWAY_IMAGE_DIGEST in constructs/shared/egress-gateway-image.ts to '${digest}'`;
  expect(verdict).toBe('matches');
});

describe('the egress gateway image', () => {
  let img: Image;
  let rootfs: string;

  beforeAll(() => {
    img = readImage(built.gatewayArchive);
    rootfs = tmp('gateway-rootfs');
    fs.chmodSync(rootfs, 0o755); // the image's root, traversed by its user
    for (const e of img.layer) {
      const p = path.join(rootfs, e.name);
      if (e.type === '5') fs.mkdirSync(p, { recursive: true, mode: e.mode });
      else if (e.type === '2') fs.symlinkSync(e.link, p);
      else {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, e.data, { mode: e.mode });
      }
    }
  });

  test('GIVEN its archive THEN it runs squid as 65532, with no shell and no helper but unlinkd', () => {
    expect(built.gatewayRef).toBe(
      `${EGRESS_GATEWAY_IMAGE_REPOSITORY}@${img.index.manifests[0].digest}`,
    );
    expect(img.config.config).toMatchObject({
      User: '65532:65532',
      Entrypoint: ['/usr/sbin/squid'],
      Cmd: ['-N', '-f', '/etc/eval-sandbox/squid.conf'],
    });
    const names = img.layer.filter((e) => e.type !== '5').map((e) => e.name);
    expect(names.filter((n) => /(^|\/)(s?bin)\//.test(n))).toEqual(['usr/sbin/squid']);
    expect(names.filter((n) => n.startsWith('usr/lib/squid/'))).toEqual(['usr/lib/squid/unlinkd']);
    expect(names).toEqual(expect.arrayContaining(['etc/passwd', 'etc/group']));
    expect(names.some((n) => /(^|\/)(ba|da)?sh$/.test(n))).toBe(false);
    const passwd = img.layer.find((e) => e.name === 'etc/passwd')?.data.toString();
    expect(passwd).toMatch(/^squid:x:65532:65532:/m);
    for (const e of img.layer) expect([e.name, e.uid, e.gid, e.mtime]).toEqual([e.name, 0, 0, 0]);
  });

  test('GIVEN its own root THEN squid 5.7 starts its loader and libraries from the image alone, and parses the rendered configuration', () => {
    const version = spawnSync('chroot', [rootfs, '/usr/sbin/squid', '-v'], { encoding: 'utf8' });
    expect(version.stderr).toBe('');
    expect(version.stdout).toMatch(/^Squid Cache: Version 5\.7$/m);
    fs.mkdirSync(path.join(rootfs, 'etc', 'eval-sandbox'), { recursive: true });
    fs.writeFileSync(
      path.join(rootfs, 'etc', 'eval-sandbox', 'squid.conf'),
      renderSquidConfig({ domains: ['pypi.org'], labels: { 'eval-sandbox.io/sandbox': 'x' } }),
    );
    const parse = spawnSync(
      'chroot',
      [
        '--userspec=65532:65532',
        rootfs,
        '/usr/sbin/squid',
        '-k',
        'parse',
        '-f',
        '/etc/eval-sandbox/squid.conf',
      ],
      { encoding: 'utf8' },
    );
    expect([parse.status, parse.stderr.split('\n').filter((l) => /FATAL|ERROR/.test(l))]).toEqual([
      0,
      [],
    ]);
  });
});

describe('OCI archives', () => {
  test('GIVEN the probe archive THEN it is a sorted, epoch-dated OCI layout whose blobs match their digests', () => {
    const img = readImage(built.probeArchive);
    const names = img.entries.map((e) => e.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['oci-layout', 'index.json', 'blobs/sha256/']));
    for (const e of [...img.entries, ...img.layer]) {
      expect([e.name, e.mtime, e.uid, e.gid]).toEqual([e.name, 0, 0, 0]);
    }
    for (const e of img.entries.filter((x) => x.type === '0' && x.name.startsWith('blobs/'))) {
      expect(`blobs/sha256/${sha256(e.data)}`).toBe(e.name);
    }
    const [desc] = img.index.manifests;
    expect(img.index.manifests).toHaveLength(1);
    expect(`${PROBE_IMAGE_REPOSITORY}@${desc.digest}`).toBe(built.probeRef);
    expect(desc.annotations).toEqual({
      'io.containerd.image.name': `${PROBE_IMAGE_REPOSITORY}:v1`,
      'org.opencontainers.image.ref.name': 'v1',
    });
    expect(img.manifest.layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.oci.image.layer.v1.tar',
    ]);
    expect(img.config).toEqual({
      created: '1970-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { User: '65532:65532', Env: ['PATH=/'], Entrypoint: ['/probe'], Cmd: ['check'] },
      rootfs: { type: 'layers', diff_ids: [img.manifest.layers[0].digest] },
    });
    expect(img.layer.map((e) => [e.name, e.mode.toString(8), e.type])).toEqual([
      ['probe', '555', '0'],
    ]);
    expect(sha256(img.layer[0].data)).toBe(sha256(fs.readFileSync(built.probeBinary)));
  });

  test('GIVEN the pause archive THEN it carries our name and runs /pause as 65535', () => {
    const img = readImage(built.pauseArchive);
    // Printed by digest (what the node's containerd pins); the archive names it by tag.
    expect(built.pauseRef).toBe(`localhost/eval-sandbox/pause@${img.index.manifests[0].digest}`);
    expect(img.index.manifests[0].annotations['io.containerd.image.name']).toBe(
      'localhost/eval-sandbox/pause:1',
    );
    expect(img.config.config).toEqual({
      User: '65535:65535',
      Env: ['PATH=/'],
      Entrypoint: ['/pause'],
    });
    expect(img.layer.map((e) => e.name)).toEqual(['pause']);
  });
});

describe('the janitor image', () => {
  let img: Image;
  let rootfs: string;

  beforeAll(() => {
    img = readImage(built.janitorArchive);
    // Its layer as a folder, symbolic links included, to run what is in it.
    rootfs = tmp('janitor-rootfs');
    for (const e of img.layer) {
      const p = path.join(rootfs, e.name);
      if (e.type === '5') fs.mkdirSync(p, { recursive: true, mode: e.mode });
      else if (e.type === '2') fs.symlinkSync(e.link, p);
      else fs.writeFileSync(p, e.data, { mode: e.mode });
    }
  });

  const file = (name: string) => {
    const e = img.layer.find((x) => x.name === name);
    if (!e) throw new Error(`the janitor image has no ${name}`);
    return e.data;
  };
  const run = (cmd: string, args: string[]) =>
    spawnSync(path.join(rootfs, 'bin', cmd), args, {
      encoding: 'utf8',
      env: { PATH: path.join(rootfs, 'bin'), HOME: rootfs },
    });

  test('GIVEN its archive THEN it is busybox, the applets janitor.sh runs and kubectl, as 65532', () => {
    expect(built.janitorRef).toBe(`${JANITOR_IMAGE_REPOSITORY}@${img.index.manifests[0].digest}`);
    expect(img.index.manifests[0].annotations['io.containerd.image.name']).toBe(
      `${JANITOR_IMAGE_REPOSITORY}:v1`,
    );
    expect(img.config.config).toEqual({
      User: '65532:65532',
      Env: ['PATH=/bin'],
      Entrypoint: ['/bin/kubectl'],
    });
    expect(img.layer.map((e) => [e.name, e.type, e.mode.toString(8), e.link])).toEqual([
      ['bin/', '5', '755', ''],
      ['bin/busybox', '0', '555', ''],
      ['bin/cat', '2', '777', 'busybox'],
      ['bin/date', '2', '777', 'busybox'],
      ['bin/kubectl', '0', '555', ''],
      ['bin/mktemp', '2', '777', 'busybox'],
      ['bin/rm', '2', '777', 'busybox'],
      ['bin/sh', '2', '777', 'busybox'],
      ['bin/tr', '2', '777', 'busybox'],
    ]);
    for (const e of img.layer) expect([e.name, e.mtime, e.uid, e.gid]).toEqual([e.name, 0, 0, 0]);
  });

  test("GIVEN every program janitor.sh calls THEN the image has it (read from the script's own text)", () => {
    const script = janitorScript();
    for (const cmd of ['date', 'tr', 'mktemp', 'rm', 'kubectl'])
      expect([cmd, new RegExp(`(^|[ ($'])${cmd} `, 'm').test(script)]).toEqual([cmd, true]);
    const have = img.layer.map((e) => e.name.replace(/^bin\//, ''));
    for (const cmd of ['sh', 'date', 'tr', 'mktemp', 'rm', 'kubectl']) expect(have).toContain(cmd);
  });

  test("GIVEN busybox THEN it is Debian's busybox-static build, static, and its applets answer as janitor.sh uses them", () => {
    expect(run('busybox', []).stdout).toMatch(
      /^BusyBox v1\.35\.0 \(Debian 1:1\.35\.0-4\+deb12u1\+b1\) multi-call binary\./,
    );
    const elf = file('bin/busybox');
    // No PT_INTERP: a static binary (nothing else in the image could load it).
    expect(elf.includes(Buffer.from('/lib64/ld-linux'))).toBe(false);
    const r = run('sh', [
      '-c',
      'set -eu; date -u -d @86400 +%Y-%m-%dT%H:%M:%SZ; printf %s 2026-06-01T12:00:00Z | tr -d -- -:TZ; echo; d=$(mktemp -d); cat /dev/null > "$d/x"; rm -rf "$d"; [ ! -e "$d" ] && echo removed',
    ]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe('1970-01-02T00:00:00Z\n20260601120000\nremoved\n');
  });

  test('GIVEN kubectl THEN it is v1.35.4, static, built without the build machine in it', () => {
    const r = run('kubectl', ['version', '--client', '-o', 'json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).clientVersion).toMatchObject({
      gitVersion: 'v1.35.4',
      gitTreeState: 'clean',
      buildDate: '1970-01-01T00:00:00Z',
      goVersion: 'go1.26.8',
      platform: 'linux/amd64',
    });
    const kubectl = file('bin/kubectl');
    expect(kubectl.includes(Buffer.from('/lib64/ld-linux'))).toBe(false);
    // -trimpath: neither the module cache nor the toolchain's folder of this machine is in it.
    const go = (v: string) => spawnSync('go', ['env', v], { encoding: 'utf8' }).stdout.trim();
    for (const dir of [go('GOMODCACHE'), go('GOROOT')]) {
      expect(dir).not.toBe('');
      expect([dir, kubectl.includes(Buffer.from(`${dir}/`))]).toEqual([dir, false]);
    }
  });
});

describe('pause', () => {
  test.each(['SIGTERM', 'SIGINT'] as const)('GIVEN %s THEN pause exits 0', async (signal) => {
    const child = spawn(path.join(path.dirname(built.pauseArchive), 'pause'), [], {
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise<[number | null, string | null]>((r) =>
      child.on('exit', (code, sig) => r([code, sig])),
    );
    child.kill(signal);
    expect(await exited).toEqual([0, null]);
  });
});

/** A port nothing listens on (bound, then released). */
async function freePort(kind: 'tcp' | 'udp', host = '127.0.0.1'): Promise<number> {
  if (kind === 'udp') {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, host, r));
    const { port } = s.address();
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, host, r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** `probe serve SPEC...` on the host, resolved once every listener is up. */
async function serve(specs: string[]): Promise<ChildProcess> {
  const child = spawn(built.probeBinary, ['serve', ...specs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (specs.every((s) => err.includes(`serving ${s}`))) resolve();
    });
    child.on('exit', (code) => reject(new Error(`probe serve exited ${code}: ${err}`)));
  });
  return child;
}

function report(r: SpawnSyncReturns<string>): Report {
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]) as Report;
}

const byName = (rep: Report) => Object.fromEntries(rep.checks.map((c) => [c.name, c]));

describe('probe on the host, outside gVisor (negative control) against probe serve', () => {
  let server: ChildProcess;
  let listening: string;
  let closed: string;
  let dns: string;
  let silentDns: string;

  beforeAll(async () => {
    listening = `127.0.0.1:${await freePort('tcp')}`;
    dns = `127.0.0.1:${await freePort('udp')}`;
    closed = `127.0.0.1:${await freePort('tcp')}`;
    silentDns = `127.0.0.1:${await freePort('udp')}`;
    server = await serve([`tcp:${listening}`, `dns:${dns}`]);
  });
  afterAll(() => server.kill('SIGTERM'));

  test('GIVEN a stand-in TCP listener THEN it answers HTTP 200 with its address', async () => {
    const [host, port] = listening.split(':');
    const body = await new Promise<string>((resolve, reject) => {
      let got = '';
      net
        .connect(Number(port), host)
        .on('data', (d) => (got += d.toString()))
        .on('end', () => resolve(got))
        .on('error', reject);
    });
    expect(body).toMatch(/^HTTP\/1\.0 200 OK\r\n/);
    expect(body.endsWith(`\r\n\r\neval-sandbox stand-in ${listening}\n`)).toBe(true);
  });

  test('GIVEN PROBE_EXPECT_GVISOR=true on a normal kernel THEN gvisor fails, so does the report, exit 1', () => {
    const scratch = tmp('scratch');
    const r = spawnSync(built.probeBinary, ['check'], {
      encoding: 'utf8',
      env: {
        PATH: '/',
        PROBE_EXPECT_GVISOR: 'true',
        PROBE_BLOCKED: `${closed},${listening}`,
        PROBE_ALLOWED: `${listening},${closed}`,
        PROBE_DNS_OUTSIDE: `${dns},${silentDns}`,
        PROBE_TIMEOUT_MS: '1000',
        PROBE_SCRATCH: scratch,
      },
    });
    const rep = report(r);
    expect(r.status).toBe(1);
    expect(rep).toMatchObject({ probe: 'eval-sandbox-conformance', version: 1, ok: false });
    for (const c of rep.checks) {
      expect(Object.keys(c)).toEqual(['name', 'ok', 'detail']);
      expect([typeof c.name, typeof c.ok, typeof c.detail]).toEqual([
        'string',
        'boolean',
        'string',
      ]);
    }
    const c = byName(rep);
    expect(c.gvisor).toMatchObject({ ok: false, detail: expect.stringMatching(/^not gVisor/) });
    expect(c[`blocked:${closed}`]).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^refused/),
    });
    expect(c[`blocked:${listening}`]).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^connected/),
    });
    expect(c[`allowed:${listening}`].ok).toBe(true);
    expect(c[`allowed:${closed}`].ok).toBe(false);
    expect(c[`dns-outside:${dns}`]).toMatchObject({
      ok: false,
      detail: expect.stringContaining('192.0.2.1'),
    });
    expect(c[`dns-outside:${silentDns}`].ok).toBe(true);
    expect(c['read-only-rootfs'].ok).toBe(false);
    expect(c['scratch-writable'].ok).toBe(true);
    expect(c['non-root'].ok).toBe(process.getuid?.() !== 0);
    expect(fs.readdirSync(scratch)).toEqual([]);
  });

  test('GIVEN PROBE_EXPECT_GVISOR=false THEN there is no gvisor check', () => {
    const r = spawnSync(built.probeBinary, ['check'], {
      encoding: 'utf8',
      env: { PROBE_EXPECT_GVISOR: 'false', PROBE_BLOCKED: '' },
    });
    expect(report(r).checks.map((c) => c.name)).not.toContain('gvisor');
  });
});

describe('probe under gVisor (runsc, systrap)', () => {
  let runsc: string;
  let state: string;
  let server: ChildProcess;
  // A loopback address of its own, so the stand-in cluster DNS can use port 53.
  const dnsIP = `127.53.${(process.pid >> 8) & 255}.${(process.pid & 255) | 1}`;
  let listening: string;
  let closed: string;
  let silentDns: string;
  let ids = 0;

  beforeAll(async () => {
    runsc = nodeTools().runsc;
    state = tmp('runsc-state');
    listening = `127.0.0.1:${await freePort('tcp')}`;
    closed = `127.0.0.1:${await freePort('tcp')}`;
    silentDns = `127.0.0.1:${await freePort('udp')}`;
    server = await serve([`tcp:${listening}`, `dns:${dnsIP}:53`]);
  }, 30 * 60_000);
  afterAll(() => {
    server.kill('SIGTERM');
    // runsc keeps a network namespace mounted in its state folder.
    const netns = path.join(state, 'null-netns');
    if (fs.existsSync(netns)) spawnSync('umount', [netns]);
    fs.rmSync(state, { recursive: true, force: true });
  });

  test('GIVEN runsc do THEN the gvisor check passes (and failed outside, above)', () => {
    const r = spawnSync(
      runsc,
      [
        '--rootless=false',
        '--network=none',
        '--platform=systrap',
        'do',
        built.probeBinary,
        'check',
      ],
      { encoding: 'utf8', env: { ...process.env, PROBE_BLOCKED: '' } },
    );
    expect(byName(report(r)).gvisor).toMatchObject({
      ok: true,
      detail: expect.stringContaining('Starting gVisor'),
    });
  });

  interface Pod {
    uid: number;
    readOnly: boolean;
    capabilities: string[];
    memory: number;
    env: Record<string, string>;
    args?: string[];
    extraMounts?: object[];
  }

  /**
   * Runs the probe image the way the kubelet would ask runsc to: its layer as the root file system,
   * its entrypoint, command and user, host networking (the stand-ins play the cluster), and the
   * security context of an evaluation pod unless `pod` weakens it.
   */
  function runImage(pod: Pod) {
    const img = readImage(built.probeArchive);
    const bundle = tmp('bundle');
    const rootfs = path.join(bundle, 'rootfs');
    for (const e of img.layer) {
      const p = path.join(rootfs, e.name);
      if (e.type === '5') fs.mkdirSync(p, { recursive: true, mode: e.mode });
      else {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, e.data, { mode: e.mode });
      }
    }
    fs.mkdirSync(path.join(rootfs, 'etc')); // the runtime creates its mount points
    fs.writeFileSync(path.join(bundle, 'resolv.conf'), `nameserver ${dnsIP}\n`);
    const { config } = img.config;
    const spec = {
      ociVersion: '1.0.2',
      process: {
        user: { uid: pod.uid, gid: pod.uid },
        args: pod.args ?? [...config.Entrypoint, ...(config.Cmd ?? [])],
        env: [...config.Env, ...Object.entries(pod.env).map(([k, v]) => `${k}=${v}`)],
        cwd: '/',
        capabilities: Object.fromEntries(
          ['bounding', 'effective', 'permitted'].map((k) => [k, pod.capabilities]),
        ),
        noNewPrivileges: pod.capabilities.length === 0,
      },
      root: { path: rootfs, readonly: pod.readOnly },
      hostname: 'probe',
      mounts: [
        { destination: '/proc', type: 'proc', source: 'proc' },
        { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['mode=1777'] },
        {
          destination: '/etc/resolv.conf',
          type: 'bind',
          source: path.join(bundle, 'resolv.conf'),
          options: ['rbind', 'ro'],
        },
        { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['ro'] },
        { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] },
        ...(pod.extraMounts ?? []),
      ],
      linux: {
        resources: { memory: { limit: pod.memory }, cpu: { quota: 50_000, period: 100_000 } },
        namespaces: ['pid', 'ipc', 'uts', 'mount'].map((type) => ({ type })),
      },
    };
    fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
    const id = `probe-${process.pid}-${++ids}`;
    const argv = [
      '--root',
      state,
      '--platform=systrap',
      '--network=host',
      'run',
      '--bundle',
      bundle,
      id,
    ];
    return { id, bundle, argv };
  }

  const sandboxed = {
    uid: 65532,
    readOnly: true,
    capabilities: [] as string[],
    memory: 256 * 2 ** 20,
  };
  const probeEnv = () => ({
    PROBE_EXPECT_GVISOR: 'true',
    PROBE_BLOCKED: closed,
    PROBE_ALLOWED: listening,
    PROBE_CLUSTER_DNS: dnsIP,
    PROBE_DNS_OUTSIDE: silentDns,
    PROBE_SCRATCH: '/tmp',
    PROBE_EXPECT_MEMORY_BYTES: String(256 * 2 ** 20),
    PROBE_EXPECT_CPU_MILLIS: '500',
    PROBE_TIMEOUT_MS: '1000',
  });

  test('GIVEN the image with the sandbox security context THEN every check passes, exit 0', () => {
    const { argv } = runImage({ ...sandboxed, env: probeEnv() });
    const r = spawnSync(runsc, argv, { encoding: 'utf8' });
    const rep = report(r);
    expect(rep.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.status).toBe(0);
    expect(rep.checks.map((c) => c.name)).toEqual([
      'gvisor',
      'service-account-token',
      `blocked:${closed}`,
      `allowed:${listening}`,
      'dns:nameservers',
      'dns:resolve',
      `dns-outside:${silentDns}`,
      'read-only-rootfs',
      'non-root',
      'no-capabilities',
      'scratch-writable',
      'memory-limit',
      'cpu-limit',
    ]);
    const c = byName(rep);
    expect(c['read-only-rootfs'].detail).toContain('statfs reports the mount read-only');
    expect(c['non-root'].detail).toBe('uid=65532 euid=65532 gid=65532 egid=65532');
    expect(c['dns:resolve'].detail).toContain('[192.0.2.1]');
    expect(c['memory-limit'].detail).toContain(String(256 * 2 ** 20));
    expect(c['cpu-limit'].detail).toContain('50000/100000 = 500m');
  });

  test('GIVEN PROBE_DNS=blocked and a resolver that answers THEN dns:blocked fails (a sandbox without DNS must get no answer)', () => {
    const { argv } = runImage({ ...sandboxed, env: { ...probeEnv(), PROBE_DNS: 'blocked' } });
    const r = spawnSync(runsc, argv, { encoding: 'utf8' });
    const rep = report(r);
    expect(r.status).toBe(1);
    expect(rep.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['dns:blocked']);
    expect(byName(rep)['dns:blocked'].detail).toContain('this sandbox must have no DNS');
    expect(rep.checks.map((c) => c.name)).not.toContain('dns:resolve');
  });

  test('GIVEN root, a writable root, capabilities and open egress THEN those checks fail under gVisor too', () => {
    const { argv } = runImage({
      uid: 0,
      readOnly: false,
      capabilities: ['CAP_CHOWN', 'CAP_NET_RAW'],
      memory: 256 * 2 ** 20,
      env: {
        ...probeEnv(),
        PROBE_BLOCKED: listening,
        PROBE_ALLOWED: closed,
        PROBE_DNS_OUTSIDE: `${dnsIP}:53`,
        PROBE_EXPECT_MEMORY_BYTES: String(128 * 2 ** 20),
        // more CPUs than visible, so the weaker CPU-count fallback cannot match either
        PROBE_EXPECT_CPU_MILLIS: String((os.cpus().length + 1) * 1000),
      },
    });
    const r = spawnSync(runsc, argv, { encoding: 'utf8' });
    const rep = report(r);
    expect(r.status).toBe(1);
    expect(rep.ok).toBe(false);
    expect(rep.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      `blocked:${listening}`,
      `allowed:${closed}`,
      `dns-outside:${dnsIP}:53`,
      'read-only-rootfs',
      'non-root',
      'no-capabilities',
      'memory-limit',
      'cpu-limit',
    ]);
    expect(byName(rep).gvisor.ok).toBe(true);
  });

  test('GIVEN probe oom under a 64 MiB limit THEN gVisor kills it', () => {
    const { argv } = runImage({
      ...sandboxed,
      memory: 64 * 2 ** 20,
      env: {},
      args: ['/probe', 'oom'],
    });
    const r = spawnSync(runsc, argv, { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toContain('allocated 16 MiB');
    expect(r.stderr).not.toContain('allocated 64 MiB');
    expect(r.status).toBe(137);
  });

  test('GIVEN probe fill on a 40 MiB volume THEN it reports the bytes written and stays up', async () => {
    const { id, argv } = runImage({
      ...sandboxed,
      env: {},
      args: ['/probe', 'fill', '/scratch'],
      extraMounts: [
        {
          destination: '/scratch',
          type: 'tmpfs',
          source: 'tmpfs',
          options: ['size=40m', 'mode=1777'],
        },
      ],
    });
    const child = spawn(runsc, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let exited = false;
    child.on('exit', () => (exited = true));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no output from probe fill: ${out}`)),
          30_000,
        );
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      expect(out).toMatch(/^wrote 41943040 bytes, then: .*no space left on device\n$/);
      await new Promise((r) => setTimeout(r, 500));
      expect(exited).toBe(false);
    } finally {
      spawnSync(runsc, ['--root', state, 'kill', id, 'KILL']);
      spawnSync(runsc, ['--root', state, 'delete', '--force', id]);
      child.kill('SIGKILL');
    }
  });
});
