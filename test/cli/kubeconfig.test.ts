import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { KubeconfigError, kubeconfigPath, loadKubeconfig } from '../../cli/kubeconfig';

const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n';
const b64 = (s: string) => Buffer.from(s).toString('base64');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Yaml = Record<string, any>;

/** A kubeconfig with two contexts (`a` current, `b`), written to a fresh folder. */
function kubeconfig(
  change: (doc: Yaml) => void = () => undefined,
  files: Record<string, string> = {},
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-'));
  const doc: Yaml = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'a',
    clusters: [
      {
        name: 'one',
        cluster: { server: 'https://one.example:6443', 'certificate-authority-data': b64(CA) },
      },
      { name: 'two', cluster: { server: 'https://two.example:443' } },
    ],
    users: [
      { name: 'alice', user: { token: 'alice-token' } },
      {
        name: 'bob',
        user: { 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY) },
      },
    ],
    contexts: [
      { name: 'a', context: { cluster: 'one', user: 'alice' } },
      { name: 'b', context: { cluster: 'two', user: 'bob' } },
    ],
  };
  change(doc);
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: 0o755 });
  }
  const file = path.join(dir, 'config');
  fs.writeFileSync(file, stringify(doc));
  return { dir, file, doc };
}

const user = (doc: Yaml, name = 'alice'): Yaml =>
  (doc.users as Yaml[]).find((u) => u.name === name)?.user;
const cluster = (doc: Yaml, name = 'one'): Yaml =>
  (doc.clusters as Yaml[]).find((c) => c.name === name)?.cluster;

/** A credential plugin: a node script that prints `credential` (and checks its environment). */
function plugin(credential: unknown, exitCode = 0): string {
  return [
    '#!/usr/bin/env node',
    "const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO || '{}');",
    "if (info.kind !== 'ExecCredential') { process.stderr.write('no exec info\\n'); process.exit(3); }",
    `const credential = ${JSON.stringify(credential)};`,
    'if (credential && credential.status && credential.status.token)',
    "  credential.status.token += ':' + process.argv.slice(2).join(',') + ':' + (process.env.PLUGIN_REGION || '');",
    'process.stdout.write(JSON.stringify(credential));',
    `if (${exitCode}) { process.stderr.write('token expired, log in again\\n'); process.exit(${exitCode}); }`,
    '',
  ].join('\n');
}

const execUser = (apiVersion = 'client.authentication.k8s.io/v1beta1') => ({
  exec: {
    apiVersion,
    command: './bin/get-token',
    args: ['eks', 'get-token', '--cluster-name', 'c1'],
    env: [{ name: 'PLUGIN_REGION', value: 'eu-west-1' }],
    interactiveMode: 'Never',
  },
});

async function loadError(file: string, context?: string): Promise<string> {
  try {
    await loadKubeconfig({ kubeconfig: file, context });
  } catch (err) {
    expect(err).toBeInstanceOf(KubeconfigError);
    const message = (err as Error).message;
    expect(message).toContain(file);
    return message;
  }
  throw new Error('expected loadKubeconfig to fail');
}

describe('kubeconfigPath', () => {
  test('--kubeconfig wins over $KUBECONFIG, which wins over ~/.kube/config', () => {
    expect(
      kubeconfigPath({ kubeconfig: '/x/config', env: { KUBECONFIG: '/y/config' }, homedir: '/h' }),
    ).toBe('/x/config');
    expect(kubeconfigPath({ env: { KUBECONFIG: '/y/one:/y/two' }, homedir: '/h' })).toBe('/y/one');
    expect(kubeconfigPath({ env: {}, homedir: '/h' })).toBe('/h/.kube/config');
    expect(kubeconfigPath({ env: { KUBECONFIG: '' }, homedir: '/h' })).toBe('/h/.kube/config');
  });
});

describe('loadKubeconfig', () => {
  test('GIVEN the current context with a token and CA data THEN server, CA PEM and token', async () => {
    const { file } = kubeconfig();
    expect(await loadKubeconfig({ kubeconfig: file })).toEqual({
      server: 'https://one.example:6443',
      ca: CA,
      token: 'alice-token',
    });
  });

  test('GIVEN $KUBECONFIG THEN that file is read', async () => {
    const { file } = kubeconfig();
    expect((await loadKubeconfig({ env: { KUBECONFIG: file } })).token).toBe('alice-token');
  });

  test('GIVEN --context b THEN its cluster and client certificate, no CA (system trust)', async () => {
    const { file } = kubeconfig();
    expect(await loadKubeconfig({ kubeconfig: file, context: 'b' })).toEqual({
      server: 'https://two.example:443',
      cert: CERT,
      key: KEY,
    });
  });

  test('GIVEN a tokenFile and certificate-authority relative to the kubeconfig folder THEN both are read', async () => {
    const { file } = kubeconfig(
      (doc) => {
        user(doc).token = undefined;
        user(doc).tokenFile = 'secrets/token';
        delete cluster(doc)['certificate-authority-data'];
        cluster(doc)['certificate-authority'] = 'pki/ca.crt';
      },
      { 'secrets/token': 'file-token\n', 'pki/ca.crt': CA },
    );
    expect(await loadKubeconfig({ kubeconfig: file })).toEqual({
      server: 'https://one.example:6443',
      ca: CA,
      token: 'file-token',
    });
  });

  test('GIVEN client-certificate and client-key files THEN their PEM', async () => {
    const { file } = kubeconfig(
      (doc) => {
        user(doc, 'bob')['client-certificate-data'] = undefined;
        user(doc, 'bob')['client-key-data'] = undefined;
        user(doc, 'bob')['client-certificate'] = 'client.crt';
        user(doc, 'bob')['client-key'] = 'client.key';
      },
      { 'client.crt': CERT, 'client.key': KEY },
    );
    const creds = await loadKubeconfig({ kubeconfig: file, context: 'b' });
    expect(creds.cert).toBe(CERT);
    expect(creds.key).toBe(KEY);
  });

  test.each(['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'])(
    'GIVEN an exec plugin (%s, EKS style) THEN it runs with its args and env and its token is used',
    async (apiVersion) => {
      const { file } = kubeconfig(
        (doc) => {
          doc.users[0].user = execUser(apiVersion);
        },
        {
          'bin/get-token': plugin({
            apiVersion,
            kind: 'ExecCredential',
            status: { token: 'k8s-aws-v1.abc', expirationTimestamp: '2030-01-01T00:00:00Z' },
          }),
        },
      );
      const creds = await loadKubeconfig({ kubeconfig: file });
      expect(creds.token).toBe('k8s-aws-v1.abc:eks,get-token,--cluster-name,c1:eu-west-1');
      expect(creds.ca).toBe(CA);
    },
  );

  test('GIVEN an exec plugin that returns a client certificate THEN cert and key', async () => {
    const { file } = kubeconfig(
      (doc) => {
        doc.users[0].user = execUser('client.authentication.k8s.io/v1');
      },
      {
        'bin/get-token': plugin({
          apiVersion: 'client.authentication.k8s.io/v1',
          kind: 'ExecCredential',
          status: { clientCertificateData: CERT, clientKeyData: KEY },
        }),
      },
    );
    const creds = await loadKubeconfig({ kubeconfig: file });
    expect(creds).toMatchObject({ cert: CERT, key: KEY });
    expect(creds.token).toBeUndefined();
  });

  describe('errors name the file, the field and the fix', () => {
    test('a missing file', async () => {
      const missing = path.join(os.tmpdir(), 'no-such-kubeconfig-dir', 'config');
      expect(await loadError(missing)).toMatch(/cannot be read \(ENOENT\); pass --kubeconfig/);
    });

    test('invalid YAML', async () => {
      const { file } = kubeconfig();
      fs.writeFileSync(file, 'clusters: [\n  - {');
      expect(await loadError(file)).toMatch(/is not valid YAML/);
    });

    test('no current-context and no --context', async () => {
      const { file } = kubeconfig((doc) => delete doc['current-context']);
      expect(await loadError(file)).toMatch(/current-context is not set; pass --context <name>/);
    });

    test('an unknown context', async () => {
      const { file } = kubeconfig();
      expect(await loadError(file, 'prod')).toMatch(
        /contexts\[\] has no context 'prod' \(known: a, b\); pass --context/,
      );
    });

    test('a context naming an undefined cluster, or user', async () => {
      const a = kubeconfig((doc) => (doc.contexts[0].context.cluster = 'gone'));
      expect(await loadError(a.file)).toMatch(
        /context 'a' names cluster 'gone', which clusters\[\] does not define/,
      );
      const b = kubeconfig((doc) => (doc.contexts[0].context.user = 'gone'));
      expect(await loadError(b.file)).toMatch(
        /context 'a' names user 'gone', which users\[\] does not define/,
      );
    });

    test('a server that is not https', async () => {
      const { file } = kubeconfig((doc) => (cluster(doc).server = 'http://one.example:8080'));
      expect(await loadError(file)).toMatch(
        /clusters\['one'\]\.cluster\.server is "http:\/\/one\.example:8080"; it must be an https:\/\/ URL/,
      );
    });

    test('insecure-skip-tls-verify: true is refused', async () => {
      const { file } = kubeconfig((doc) => (cluster(doc)['insecure-skip-tls-verify'] = true));
      expect(await loadError(file)).toMatch(
        /clusters\['one'\]\.cluster\.insecure-skip-tls-verify is true; .*remove the field and set certificate-authority-data/,
      );
    });

    test('a certificate-authority or tokenFile that cannot be read', async () => {
      const ca = kubeconfig((doc) => {
        delete cluster(doc)['certificate-authority-data'];
        cluster(doc)['certificate-authority'] = 'missing-ca.crt';
      });
      expect(await loadError(ca.file)).toContain(
        `clusters['one'].cluster.certificate-authority names ${path.join(ca.dir, 'missing-ca.crt')}, which cannot be read`,
      );
      const token = kubeconfig((doc) => {
        user(doc).token = undefined;
        user(doc).tokenFile = 'missing-token';
      });
      expect(await loadError(token.file)).toMatch(
        /users\['alice'\]\.user\.tokenFile names .*missing-token, which cannot be read/,
      );
    });

    test('a client certificate without its key', async () => {
      const { file } = kubeconfig((doc) => (user(doc, 'bob')['client-key-data'] = undefined));
      expect(await loadError(file, 'b')).toMatch(
        /users\['bob'\]\.user has a client certificate without a key; set both/,
      );
    });

    test('no credential at all, basic auth, and auth-provider', async () => {
      const none = kubeconfig((doc) => (doc.users[0].user = {}));
      expect(await loadError(none.file)).toMatch(
        /users\['alice'\]\.user has no credential; set token/,
      );
      const basic = kubeconfig((doc) => (doc.users[0].user = { username: 'u', password: 'p' }));
      expect(await loadError(basic.file)).toMatch(/basic auth\) is not supported/);
      const provider = kubeconfig(
        (doc) => (doc.users[0].user = { 'auth-provider': { name: 'gcp' } }),
      );
      expect(await loadError(provider.file)).toMatch(
        /auth-provider is not supported .*use an exec credential plugin/,
      );
    });

    test('an exec plugin that is missing, fails, prints no ExecCredential, or no token', async () => {
      const missing = kubeconfig((doc) => {
        doc.users[0].user = execUser();
        doc.users[0].user.exec.command = 'eval-sandbox-no-such-plugin';
        doc.users[0].user.exec.installHint = 'install the AWS CLI v2';
      });
      expect(await loadError(missing.file)).toMatch(
        /users\['alice'\]\.user\.exec\.command 'eval-sandbox-no-such-plugin' was not found; install it or fix the path \(install the AWS CLI v2\)/,
      );
      const failing = kubeconfig((doc) => (doc.users[0].user = execUser()), {
        'bin/get-token': plugin({}, 4),
      });
      expect(await loadError(failing.file)).toMatch(
        /exec\.command '.*get-token eks get-token --cluster-name c1' failed \(4\): token expired, log in again; run it yourself/,
      );
      const notJson = kubeconfig((doc) => (doc.users[0].user = execUser()), {
        'bin/get-token': '#!/bin/sh\necho hello\n',
      });
      expect(await loadError(notJson.file)).toMatch(/did not print an ExecCredential/);
      const wrongKind = kubeconfig((doc) => (doc.users[0].user = execUser()), {
        'bin/get-token': plugin({ apiVersion: 'v1', kind: 'Secret' }),
      });
      expect(await loadError(wrongKind.file)).toMatch(/printed kind "Secret" apiVersion "v1"/);
      const empty = kubeconfig((doc) => (doc.users[0].user = execUser()), {
        'bin/get-token': plugin({
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          kind: 'ExecCredential',
          status: {},
        }),
      });
      expect(await loadError(empty.file)).toMatch(
        /without status\.token or status\.clientCertificateData/,
      );
    });

    test('an exec plugin with an unknown apiVersion', async () => {
      const { file } = kubeconfig(
        (doc) => (doc.users[0].user = execUser('client.authentication.k8s.io/v1alpha1')),
      );
      expect(await loadError(file)).toMatch(
        /exec\.apiVersion is "client\.authentication\.k8s\.io\/v1alpha1"; use client\.authentication\.k8s\.io\/v1 or/,
      );
    });
  });
});
