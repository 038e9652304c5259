/**
 * A minimal Kubernetes REST client over node:https: enough to apply manifests (server-side apply),
 * create objects (optionally as a dry run), and ask SubjectAccessReviews. No dependency on a client
 * library, so it runs wherever Node runs.
 */
import * as https from 'node:https';
import { KUBE_RESOURCES } from '../../policies/k8s/kinds';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = Record<string, any>;

/** The collection path of an object (`/api/v1/namespaces/x/pods`). */
export function collectionPath(obj: KubeObject, namespace?: string): string {
  const info = KUBE_RESOURCES[obj.kind];
  if (!info)
    throw new Error(
      `kind ${obj.kind} is not known to the local client; add it to KUBE_RESOURCES in policies/k8s/kinds.ts`,
    );
  const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
  const ns = namespace ?? obj.metadata?.namespace;
  if (info.namespaced && !ns)
    throw new Error(`${obj.kind}/${obj.metadata?.name}: namespaced object without a namespace`);
  return info.namespaced ? `${base}/namespaces/${ns}/${info.resource}` : `${base}/${info.resource}`;
}

/** A response from the API server. */
export interface KubeResponse {
  readonly status: number;
  readonly body: KubeObject;
  /** The body as received (a pod's log is text, not JSON). */
  readonly text: string;
}

export interface KubeClientOptions {
  /** `https://127.0.0.1:6443` */
  readonly server: string;
  /**
   * PEM of the CA that signed the serving certificate.
   *
   * @default - the CAs Node trusts
   */
  readonly ca?: string;
  /**
   * Bearer token.
   *
   * @default - none: authenticate with `cert` and `key`
   */
  readonly token?: string;
  /**
   * PEM client certificate, for client-certificate authentication (with `key`).
   *
   * @default - none
   */
  readonly cert?: string;
  /**
   * PEM key of `cert`.
   *
   * @default - none
   */
  readonly key?: string;
}

export class KubeClient {
  constructor(private readonly options: KubeClientOptions) {}

  /** Any request; resolves with status and parsed body, never rejects on an HTTP error status. */
  public request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<KubeResponse> {
    const url = new URL(path, this.options.server);
    const payload =
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ...(this.options.ca !== undefined ? { ca: this.options.ca } : {}),
          ...(this.options.cert !== undefined ? { cert: this.options.cert } : {}),
          ...(this.options.key !== undefined ? { key: this.options.key } : {}),
          headers: {
            ...(this.options.token !== undefined
              ? { authorization: `Bearer ${this.options.token}` }
              : {}),
            accept: 'application/json',
            ...(payload !== undefined
              ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: KubeObject;
            try {
              parsed = text ? (JSON.parse(text) as KubeObject) : {};
            } catch {
              parsed = { message: text };
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, text });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /**
   * A GET whose body is streamed (a pod's log with `follow=true`): `onData` gets each chunk of a 200
   * answer as it arrives. Resolves when the server ends the body, the connection drops, it is idle for
   * `idleMs`, or `signal` aborts; any other status resolves with its (buffered) body.
   */
  public stream(
    path: string,
    onData: (chunk: Buffer) => void,
    options: { signal?: AbortSignal; idleMs?: number } = {},
  ): Promise<{ status: number; text: string }> {
    const url = new URL(path, this.options.server);
    return new Promise((resolve, reject) => {
      let status = 0;
      const chunks: Buffer[] = [];
      const done = () => resolve({ status, text: Buffer.concat(chunks).toString('utf8') });
      const req = https.request(
        url,
        {
          method: 'GET',
          ...(this.options.ca !== undefined ? { ca: this.options.ca } : {}),
          ...(this.options.cert !== undefined ? { cert: this.options.cert } : {}),
          ...(this.options.key !== undefined ? { key: this.options.key } : {}),
          headers:
            this.options.token !== undefined
              ? { authorization: `Bearer ${this.options.token}` }
              : {},
          timeout: options.idleMs ?? 600_000,
        },
        (res) => {
          status = res.statusCode ?? 0;
          res.on('data', (c: Buffer) => (status === 200 ? onData(c) : chunks.push(c)));
          res.on('error', done);
          res.on('close', done);
        },
      );
      const abort = () => req.destroy();
      options.signal?.addEventListener('abort', abort, { once: true });
      req.on('close', () => {
        options.signal?.removeEventListener('abort', abort);
        if (status === 0) done(); // aborted before any answer
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: idle timeout`)));
      req.on('error', (err) => (status === 0 && !options.signal?.aborted ? reject(err) : done()));
      req.end();
    });
  }

  /** Server-side apply with strict field validation. */
  public apply(
    obj: KubeObject,
    options: { dryRun?: boolean; fieldManager?: string } = {},
  ): Promise<KubeResponse> {
    const query = new URLSearchParams({
      fieldManager: options.fieldManager ?? 'eval-sandbox',
      fieldValidation: 'Strict',
      force: 'true',
    });
    if (options.dryRun) query.set('dryRun', 'All');
    return this.request(
      'PATCH',
      `${collectionPath(obj)}/${obj.metadata.name}?${query}`,
      obj,
      'application/apply-patch+yaml',
    );
  }

  /** Create (POST), optionally as a dry run: admission runs, nothing is stored. */
  public create(
    obj: KubeObject,
    options: { dryRun?: boolean; namespace?: string } = {},
  ): Promise<KubeResponse> {
    const query = new URLSearchParams({ fieldValidation: 'Strict' });
    if (options.dryRun) query.set('dryRun', 'All');
    return this.request('POST', `${collectionPath(obj, options.namespace)}?${query}`, obj);
  }

  /** Asks whether `user` (in `groups`) may `verb` the resource. */
  public async can(
    user: string,
    groups: string[],
    attributes: {
      verb: string;
      resource: string;
      group?: string;
      subresource?: string;
      namespace?: string;
    },
  ): Promise<boolean> {
    const res = await this.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user, groups, resourceAttributes: { group: '', ...attributes } },
    });
    if (res.status !== 201)
      throw new Error(`SubjectAccessReview failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.status?.allowed === true;
  }
}
