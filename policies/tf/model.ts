/**
 * A read-only view of a synthesized Terraform JSON configuration (`cdk.tf.json`), for rules.
 * Framework-free: it works on the JSON cdktf writes, whichever way it was produced.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TfJson = Record<string, any>;

/** One resource or data source block. */
export interface TfBlock {
  /** `aws_eks_cluster.SandboxCluster_Resource_1A2B3C4D` (data sources: `data.aws_…`). */
  readonly address: string;
  readonly type: string;
  readonly name: string;
  /** The block's attributes as synthesized. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly config: Record<string, any>;
  /** The construct path cdktf records in `//.metadata.path`, when present. */
  readonly path: string;
}

function blocks(section: TfJson | undefined, prefix: string): TfBlock[] {
  const out: TfBlock[] = [];
  for (const [type, byName] of Object.entries(section ?? {})) {
    for (const [name, config] of Object.entries(byName as TfJson)) {
      out.push({
        address: `${prefix}${type}.${name}`,
        type,
        name,
        config: config as TfJson,
        path: (config as TfJson)?.['//']?.metadata?.path ?? `${prefix}${type}.${name}`,
      });
    }
  }
  return out;
}

export class TfModel {
  public readonly resources: TfBlock[];
  public readonly dataSources: TfBlock[];

  constructor(public readonly json: TfJson) {
    this.resources = blocks(json.resource, '');
    this.dataSources = blocks(json.data, 'data.');
  }

  /** Resources of one type. */
  public ofType(type: string): TfBlock[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** Data sources of one type. */
  public dataOfType(type: string): TfBlock[] {
    return this.dataSources.filter((r) => r.type === type);
  }

  /**
   * Resources of `type` whose `attribute` refers to `target` (an interpolation such as
   * `${aws_vpc.Vpc.id}` or `${aws_s3_bucket.Bucket.bucket}`), or names it literally.
   */
  public referencing(type: string, attribute: string, target: TfBlock): TfBlock[] {
    return this.ofType(type).filter((r) => refersTo(r.config[attribute], target));
  }
}

/** True when `value` is an interpolation of an attribute of `target`. */
export function refersTo(value: unknown, target: TfBlock): boolean {
  return typeof value === 'string' && value.includes(`\${${target.address}.`);
}

/** The first element of a nested block (cdktf writes single blocks as objects or one-element lists). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function single(value: unknown): Record<string, any> | undefined {
  if (Array.isArray(value)) return value[0];
  if (value !== null && typeof value === 'object') return value as TfJson;
  return undefined;
}

/** A nested block as a list. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function list(value: unknown): Record<string, any>[] {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object') return [value as TfJson];
  return [];
}
