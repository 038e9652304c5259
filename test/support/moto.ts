/**
 * The AWS API tier's machinery (docs/testing.md, "The AWS API tier (moto)"): a local AWS API
 * (moto_server from scripts/install-moto.sh) on a loopback port, the machine image's Terraform and
 * its filesystem mirror of the hashicorp/aws provider, and the one function that turns a
 * synthesized stack into a copy Terraform runs against moto.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ROOT } from './tools';

/** The provider the machine image mirrors (the 6.x our stacks pin cannot be built here). */
export const MIRRORED_AWS_PROVIDER = '5.100.0';
/** Where the machine image keeps it (a `-plugin-dir` layout). */
export const PLUGIN_DIR = '/opt/tf-plugins';
const TERRAFORM = '/usr/local/bin/terraform';

/**
 * Terraform and the provider mirror, or an error naming what is missing. Both are part of the
 * machine image (CI runs on the same image): their absence is a broken machine, never a skip.
 */
export function requireTerraformAndMirror(): string {
  const terraform = fs.existsSync(TERRAFORM)
    ? TERRAFORM
    : spawnSync('bash', ['-c', 'command -v terraform'], { encoding: 'utf8' }).stdout.trim();
  if (!terraform)
    throw new Error(
      `terraform is not installed (expected ${TERRAFORM}, part of the machine image); the AWS API ` +
        'tier needs Terraform >= 1.10: https://developer.hashicorp.com/terraform/install',
    );
  const provider = path.join(
    PLUGIN_DIR,
    'registry.terraform.io/hashicorp/aws',
    MIRRORED_AWS_PROVIDER,
    'linux_amd64',
  );
  const binaries = fs.existsSync(provider)
    ? fs.readdirSync(provider).filter((f) => f.startsWith('terraform-provider-aws'))
    : [];
  if (binaries.length === 0)
    throw new Error(
      `the hashicorp/aws ${MIRRORED_AWS_PROVIDER} provider is not in ${provider} (the machine ` +
        "image's filesystem mirror); the AWS API tier runs Terraform offline against it. Put the " +
        `provider's linux_amd64 zip contents there (terraform providers mirror -platform=linux_amd64 ${PLUGIN_DIR} ` +
        `with version = "${MIRRORED_AWS_PROVIDER}", on a machine with internet)`,
    );
  return terraform;
}

/** Installs (or reuses) the pinned moto; the path of moto_server. */
export function installMoto(): string {
  return execFileSync('bash', [path.join(ROOT, 'scripts', 'install-moto.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A running moto_server on 127.0.0.1, with boto3 (moto's own dependency) to seed and inspect it. */
export class Moto {
  private exited?: number | null;

  private constructor(
    private readonly child: ChildProcess,
    public readonly endpoint: string,
    private readonly python: string,
    /** moto's request log (a file, not a pipe: see start()). */
    public readonly log: string,
  ) {
    child.on('exit', (code) => (this.exited = code));
  }

  /** What moto has printed so far. */
  get output(): string {
    return fs.existsSync(this.log) ? fs.readFileSync(this.log, 'utf8') : '';
  }

  /**
   * Starts moto_server on a free loopback port and waits until it answers. Its output goes to
   * `log`, a file: moto writes a line per request, and the tests run Terraform synchronously, so a
   * pipe nobody reads fills up and moto stops answering mid-apply.
   */
  static async start(motoServer: string, log: string): Promise<Moto> {
    const port = await freePort();
    const fd = fs.openSync(log, 'a');
    // AWS managed policies (AmazonEKSClusterPolicy...) exist only when asked for: attaching a
    // misspelled or mis-pathed one is then refused, as in an account.
    const child = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
    });
    fs.closeSync(fd);
    const moto = new Moto(
      child,
      `http://127.0.0.1:${port}`,
      path.join(path.dirname(motoServer), 'python'),
      log,
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const r = await fetch(`${moto.endpoint}/moto-api/`);
        if (r.ok) return moto;
      } catch {
        // not listening yet
      }
      if (moto.exited !== undefined || Date.now() > deadline) {
        moto.stop();
        throw new Error(
          `moto_server on port ${port} ${moto.exited !== undefined ? `exited with ${moto.exited}` : 'did not answer in 30 s'}:\n${moto.output}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The environment every client of this moto uses: fake keys, its endpoint, no real AWS. */
  clientEnv(region: string): NodeJS.ProcessEnv {
    return {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ENDPOINT_URL: this.endpoint,
    };
  }

  /**
   * Runs `script` (Python with boto3; `s3`, `kms`, `iam`, `ec2`... are available as
   * `client('s3')`) against this moto and returns what it prints as JSON.
   */
  boto<T>(region: string, script: string): T {
    const prelude = [
      'import json, boto3',
      `def client(name): return boto3.client(name, endpoint_url=${JSON.stringify(this.endpoint)}, region_name=${JSON.stringify(region)})`,
    ].join('\n');
    const r = spawnSync(this.python, ['-c', `${prelude}\n${script}`], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...this.clientEnv(region) },
    });
    if (r.status !== 0) throw new Error(`boto3 against moto failed:\n${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  stop() {
    if (this.exited === undefined) this.child.kill('SIGKILL');
  }
}

/** Which AWS service API a resource or data source type talks to (the provider's endpoint key). */
const SERVICE_OF: [prefix: string, endpoint: string | null][] = [
  ['aws_partition', null], // computed locally
  ['aws_caller_identity', 'sts'],
  ['aws_cloudwatch_log_', 'logs'],
  ['aws_cloudwatch_event_', 'events'],
  ['aws_ecr_', 'ecr'],
  ['aws_eks_', 'eks'],
  ['aws_guardduty_', 'guardduty'],
  ['aws_iam_', 'iam'],
  ['aws_kms_', 'kms'],
  ['aws_s3_', 's3'],
  ['aws_sqs_', 'sqs'],
  ['aws_ssm_', 'ssm'],
  [
    'aws_default_security_group aws_eip aws_flow_log aws_internet_gateway aws_launch_template ' +
      'aws_nat_gateway aws_route aws_route_table aws_route_table_association aws_security_group ' +
      'aws_subnet aws_vpc aws_vpc_endpoint aws_vpc_security_group_ingress_rule ' +
      'aws_vpc_security_group_egress_rule aws_availability_zones',
    'ec2',
  ],
];

function serviceOf(type: string): string | null {
  for (const [prefixes, endpoint] of SERVICE_OF) {
    for (const prefix of prefixes.split(' ')) {
      if (prefix.endsWith('_') ? type.startsWith(prefix) : type === prefix) return endpoint;
    }
  }
  throw new Error(
    `test/support/moto.ts does not know which AWS API '${type}' calls: add it to SERVICE_OF so ` +
      'the provider sends it to moto (never to a real account)',
  );
}

/** A synthesized stack's JSON, as far as these rewrites read it. */
export interface TfJson {
  terraform: {
    backend?: Record<string, unknown>;
    required_providers: { aws: { source: string; version: string } };
  };
  provider: { aws: Record<string, unknown>[] };
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  [key: string]: unknown;
}

/**
 * Every change the AWS API tier makes to a synthesized stack, in one place; the result is a copy
 * (the synthesized file is never touched). Nothing else differs from what `terraform apply` would
 * run in an account:
 *
 * 1. The backend is `local` (`statePath`): the S3 backend's bucket is bootstrapped by hand
 *    (docs/aws/state-backend.md) and is not what this tier tests.
 * 2. The provider is pinned to the mirrored hashicorp/aws 5.100.0 (the pinned 6.x cannot be
 *    fetched here) and its only schema difference in our JSON is dropped: `deletion_protection`
 *    of `aws_eks_cluster` (6.x only).
 * 3. Each provider block sends every API our resources and data sources call to moto (`endpoints`,
 *    one key per service; a type with no known service fails here instead of reaching AWS),
 *    addresses S3 by path (moto on 127.0.0.1 has no bucket subdomains), and never asks instance
 *    metadata for credentials (the fake keys come from the environment).
 */
export function rewriteForMoto(synthesized: TfJson, endpoint: string, statePath: string): TfJson {
  const json = structuredClone(synthesized);
  json.terraform.backend = { local: { path: statePath } };
  json.terraform.required_providers.aws = {
    source: 'hashicorp/aws',
    version: MIRRORED_AWS_PROVIDER,
  };
  for (const cluster of Object.values(json.resource?.aws_eks_cluster ?? {}))
    delete cluster.deletion_protection;
  const services = new Set<string>(['sts']);
  for (const block of [json.resource ?? {}, json.data ?? {}])
    for (const type of Object.keys(block)) {
      const service = serviceOf(type);
      if (service) services.add(service);
    }
  const endpoints = Object.fromEntries([...services].sort().map((s) => [s, endpoint]));
  for (const provider of json.provider.aws) {
    provider.endpoints = [endpoints];
    provider.s3_use_path_style = true;
    provider.skip_metadata_api_check = true;
  }
  return json;
}

/** Resources a stack's JSON declares (none uses count or for_each; checked). */
export function resourceAddresses(json: TfJson): string[] {
  const out: string[] = [];
  for (const [type, byName] of Object.entries(json.resource ?? {}))
    for (const [name, body] of Object.entries(byName)) {
      if ('count' in body || 'for_each' in body)
        throw new Error(`${type}.${name} uses count/for_each: count its instances from the plan`);
      out.push(`${type}.${name}`);
    }
  return out.sort();
}

/** One Terraform working directory holding a rewritten stack, run offline against moto. */
export class TerraformDir {
  constructor(
    public readonly dir: string,
    private readonly terraform: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Writes the stack's rewritten JSON and initialises the directory from the provider mirror. */
  static init(dir: string, json: TfJson, terraform: string, env: NodeJS.ProcessEnv): TerraformDir {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(json, null, 2));
    const tf = new TerraformDir(dir, terraform, env);
    tf.ok(['init', '-input=false', '-no-color', `-plugin-dir=${PLUGIN_DIR}`]);
    return tf;
  }

  /** Runs terraform; one that takes more than `minutes` is stopped and fails (a stalled moto). */
  run(args: string[], minutes = 12) {
    const r = spawnSync(this.terraform, args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: this.env,
      maxBuffer: 256 * 1024 * 1024,
      timeout: minutes * 60_000,
      killSignal: 'SIGINT',
    });
    if (r.error || r.signal)
      throw new Error(
        `terraform ${args.join(' ')} in ${this.dir} did not finish in ${minutes} min ` +
          `(${r.error?.message ?? r.signal}); the last output:\n${String(r.stdout).slice(-4000)}`,
      );
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  ok(args: string[]): string {
    const r = this.run(args);
    if (r.status !== 0)
      throw new Error(
        `terraform ${args.join(' ')} in ${this.dir} exited with ${r.status}:\n${r.stdout.slice(-8000)}\n${r.stderr.slice(-8000)}`,
      );
    return r.stdout;
  }

  /** `terraform <args> -json`'s error diagnostics (summary and detail, unwrapped). */
  static errors(stdout: string): { summary: string; detail: string; address?: string }[] {
    return stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            diagnostic?: {
              severity: string;
              summary: string;
              detail: string;
              address?: string;
            };
          },
      )
      .flatMap((m) =>
        m.type === 'diagnostic' && m.diagnostic?.severity === 'error' ? [m.diagnostic] : [],
      );
  }
}

/**
 * The environment Terraform runs in: fake keys pointing at moto, a private CLI configuration (no
 * credentials helper, no plugin cache, no registry), no version check, nothing from the caller's
 * AWS or Terraform settings.
 */
export function terraformEnv(moto: Moto, region: string, home: string): NodeJS.ProcessEnv {
  const cliConfig = path.join(home, 'terraformrc');
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(cliConfig, '# the AWS API tier: providers come from -plugin-dir only\n');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    ...moto.clientEnv(region),
  };
  // The provider's own endpoint settings are in the JSON (rewriteForMoto); this one is for boto3.
  delete env.AWS_ENDPOINT_URL;
  return env;
}
