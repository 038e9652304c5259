/**
 * Reads a kubeconfig the way kubectl does, for the few fields the CLI needs: the server, the CA
 * that signs its certificate, and one credential (a bearer token, a client certificate, or an
 * `exec` credential plugin such as `aws eks get-token`). Framework-free, no client library.
 */
import { execFile, ExecFileException } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

/** Where to find the kubeconfig and which context to use. */
export interface KubeconfigOptions {
  /** The kubeconfig file; else `$KUBECONFIG` (its first entry), else `~/.kube/config`. */
  readonly kubeconfig?: string;
  /** The context; else the file's `current-context`. */
  readonly context?: string;
  /** The environment to read `KUBECONFIG` from and to give exec plugins (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** The home folder (default `os.homedir()`). */
  readonly homedir?: string;
}

/** What a client needs to reach the API server: PEM strings, never file names. */
export interface KubeCredentials {
  /** `https://…` */
  readonly server: string;
  /** PEM of the CA that signs the server's certificate; absent: the system's trusted CAs. */
  readonly ca?: string;
  /** Bearer token. */
  readonly token?: string;
  /** PEM client certificate (with `key`). */
  readonly cert?: string;
  /** PEM client key (with `cert`). */
  readonly key?: string;
}

/** A kubeconfig that cannot be used; the message names the file, the field and the fix. */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Yaml = Record<string, any>;

const EXEC_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
];

/** The kubeconfig file `options` point to (not read). */
export function kubeconfigPath(options: KubeconfigOptions = {}): string {
  if (options.kubeconfig) return path.resolve(options.kubeconfig);
  const env = options.env ?? process.env;
  const first = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p !== '');
  if (first) return path.resolve(first);
  return path.join(options.homedir ?? os.homedir(), '.kube', 'config');
}

/** Finds `name` in a kubeconfig list (`clusters`, `users`, `contexts`). */
function named(doc: Yaml, list: string, name: string): Yaml | undefined {
  const items: unknown = doc[list];
  if (!Array.isArray(items)) return undefined;
  return (items as Yaml[]).find((i) => i && i.name === name);
}

/** Loads the kubeconfig and resolves the context's server and credentials (runs an exec plugin). */
export async function loadKubeconfig(options: KubeconfigOptions = {}): Promise<KubeCredentials> {
  const file = kubeconfigPath(options);
  const dir = path.dirname(file);
  const fail = (message: string): never => {
    throw new KubeconfigError(`kubeconfig ${file}: ${message}`);
  };

  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    fail(
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); ` +
        'pass --kubeconfig <file> or set KUBECONFIG (for EKS: aws eks update-kubeconfig --name <cluster>)',
    );
  }
  let doc: Yaml = {};
  try {
    doc = parse(text) as Yaml;
  } catch (err) {
    fail(
      `is not valid YAML (${(err as Error).message.split('\n')[0]}); fix or regenerate the file`,
    );
  }
  if (!doc || typeof doc !== 'object') fail('is empty or not a mapping; regenerate the file');

  const contextName = options.context ?? doc['current-context'];
  if (!contextName)
    fail('current-context is not set; pass --context <name> or run kubectl config use-context');
  const context = named(doc, 'contexts', contextName)?.context as Yaml | undefined;
  if (!context) {
    const known = Array.isArray(doc.contexts)
      ? (doc.contexts as Yaml[]).map((c) => c?.name).join(', ')
      : '';
    fail(
      `contexts[] has no context '${contextName}' (${known ? `known: ${known}` : 'none defined'}); ` +
        'pass --context with one of them',
    );
  }
  const ctx = context as Yaml;
  const where = `context '${contextName}'`;

  const clusterName = ctx.cluster;
  const cluster = clusterName ? (named(doc, 'clusters', clusterName)?.cluster as Yaml) : undefined;
  if (!cluster)
    fail(
      `${where} names cluster '${clusterName ?? ''}', which clusters[] does not define; add it or fix contexts[].context.cluster`,
    );
  const c = cluster as Yaml;
  const server: unknown = c.server;
  if (typeof server !== 'string' || !server.startsWith('https://'))
    fail(
      `clusters['${clusterName}'].cluster.server is ${JSON.stringify(server ?? null)}; ` +
        'it must be an https:// URL (eval-sandbox talks to the API server over verified TLS only)',
    );
  if (c['insecure-skip-tls-verify'] === true)
    fail(
      `clusters['${clusterName}'].cluster.insecure-skip-tls-verify is true; eval-sandbox does not talk to an ` +
        'API server it cannot verify: remove the field and set certificate-authority-data (or certificate-authority)',
    );

  /** Reads `<field>-data` (base64) or `<field>` (a file, relative to the kubeconfig's folder). */
  const pem = (obj: Yaml, prefix: string, field: string): string | undefined => {
    const data: unknown = obj[`${field}-data`];
    if (typeof data === 'string' && data !== '')
      return Buffer.from(data, 'base64').toString('utf8');
    const ref: unknown = obj[field];
    if (typeof ref !== 'string' || ref === '') return undefined;
    const target = path.resolve(dir, ref);
    try {
      return fs.readFileSync(target, 'utf8');
    } catch (err) {
      return fail(
        `${prefix}.${field} names ${target}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); ` +
          `fix the path (relative paths are relative to the kubeconfig's folder) or use ${field}-data`,
      );
    }
  };

  const ca = pem(c, `clusters['${clusterName}'].cluster`, 'certificate-authority');

  const userName = ctx.user;
  const user = userName ? (named(doc, 'users', userName)?.user as Yaml | undefined) : undefined;
  if (!user)
    fail(
      `${where} names user '${userName ?? ''}', which users[] does not define; add it or fix contexts[].context.user`,
    );
  const u = user as Yaml;
  const up = `users['${userName}'].user`;

  if (u['auth-provider'])
    fail(
      `${up}.auth-provider is not supported (kubectl removed built-in auth providers); use an exec credential plugin (${up}.exec)`,
    );
  if (u.username !== undefined || u.password !== undefined)
    fail(
      `${up}.username/password (basic auth) is not supported; use a token, a client certificate or an exec plugin`,
    );

  let token: string | undefined =
    typeof u.token === 'string' && u.token !== '' ? u.token : undefined;
  if (!token && typeof u.tokenFile === 'string' && u.tokenFile !== '') {
    const target = path.resolve(dir, u.tokenFile);
    try {
      token = fs.readFileSync(target, 'utf8').trim();
    } catch (err) {
      fail(
        `${up}.tokenFile names ${target}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); ` +
          "fix the path (relative paths are relative to the kubeconfig's folder)",
      );
    }
    if (!token) fail(`${up}.tokenFile ${target} is empty; write the token into it`);
  }
  let cert = pem(u, up, 'client-certificate');
  let key = pem(u, up, 'client-key');

  if (!token && !cert && u.exec) {
    const fromPlugin = await runExecPlugin(u.exec as Yaml, `${up}.exec`, dir, options.env, fail);
    token = fromPlugin.token;
    cert = fromPlugin.cert;
    key = fromPlugin.key;
  }
  if ((cert === undefined) !== (key === undefined))
    fail(
      `${up} has a client ${cert ? 'certificate without a key' : 'key without a certificate'}; ` +
        'set both client-certificate(-data) and client-key(-data)',
    );
  if (!token && !cert)
    fail(
      `${up} has no credential; set token, tokenFile, client-certificate-data with client-key-data, ` +
        'or exec (for EKS: aws eks update-kubeconfig --name <cluster>)',
    );
  return {
    server: server as string,
    ...(ca !== undefined ? { ca } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(cert !== undefined ? { cert, key } : {}),
  };
}

/** Runs an exec credential plugin and reads the ExecCredential it prints. */
async function runExecPlugin(
  exec: Yaml,
  field: string,
  dir: string,
  env: NodeJS.ProcessEnv | undefined,
  fail: (message: string) => never,
): Promise<{ token?: string; cert?: string; key?: string }> {
  const apiVersion: unknown = exec.apiVersion;
  if (typeof apiVersion !== 'string' || !EXEC_API_VERSIONS.includes(apiVersion))
    fail(
      `${field}.apiVersion is ${JSON.stringify(apiVersion ?? null)}; use ${EXEC_API_VERSIONS.join(' or ')}`,
    );
  const command: unknown = exec.command;
  if (typeof command !== 'string' || command === '')
    fail(`${field}.command is not set; name the credential plugin (for EKS: aws)`);
  const args: unknown = exec.args ?? [];
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string'))
    fail(`${field}.args must be a list of strings`);
  const extra: Record<string, string> = {};
  for (const e of (exec.env ?? []) as Yaml[]) {
    if (!e || typeof e.name !== 'string' || typeof e.value !== 'string')
      fail(`${field}.env entries must be {name, value} strings`);
    extra[e.name] = e.value;
  }
  // Like kubectl: a command with a path separator is relative to the kubeconfig's folder.
  const cmd = (command as string).includes('/') ? path.resolve(dir, command as string) : command;
  const hint = typeof exec.installHint === 'string' ? ` (${exec.installHint.trim()})` : '';
  const info = JSON.stringify({
    apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: false },
  });

  const { stdout, error, stderr } = await new Promise<{
    stdout: string;
    stderr: string;
    error: ExecFileException | null;
  }>((resolve) => {
    execFile(
      cmd as string,
      args as string[],
      {
        env: { ...(env ?? process.env), ...extra, KUBERNETES_EXEC_INFO: info },
        encoding: 'utf8',
        timeout: 120_000,
        maxBuffer: 1024 * 1024,
      },
      (err, out, errOut) => resolve({ stdout: out, stderr: errOut, error: err }),
    );
  });
  if (error) {
    if (error.code === 'ENOENT')
      fail(`${field}.command '${cmd}' was not found; install it or fix the path${hint}`);
    fail(
      `${field}.command '${cmd} ${(args as string[]).join(' ')}' failed (${error.code ?? error.signal ?? error.message}): ` +
        `${stderr.trim().split('\n').slice(-3).join(' ') || 'no output on stderr'}; run it yourself to see why`,
    );
  }
  let credential: Yaml = {};
  try {
    credential = JSON.parse(stdout) as Yaml;
  } catch {
    fail(
      `${field}.command '${cmd}' did not print an ExecCredential (stdout is not JSON); run it yourself and check its output`,
    );
  }
  if (credential?.kind !== 'ExecCredential' || !EXEC_API_VERSIONS.includes(credential.apiVersion))
    fail(
      `${field}.command '${cmd}' printed kind ${JSON.stringify(credential?.kind ?? null)} ` +
        `apiVersion ${JSON.stringify(credential?.apiVersion ?? null)}; an ExecCredential of ${EXEC_API_VERSIONS.join(' or ')} is expected`,
    );
  const status: Yaml = credential.status ?? {};
  if (typeof status.token === 'string' && status.token !== '') return { token: status.token };
  if (typeof status.clientCertificateData === 'string' && typeof status.clientKeyData === 'string')
    return { cert: status.clientCertificateData, key: status.clientKeyData };
  return fail(
    `${field}.command '${cmd}' returned an ExecCredential without status.token or ` +
      'status.clientCertificateData/clientKeyData; check the plugin and its arguments',
  );
}
