/* eslint-disable */
// @ts-nocheck
// Generated from schemas/evaluation.v1alpha1.json by `npm run generate`: do not edit. ajv
// standalone code, compiled with the options of cli/evaluation-schema.ts; the default export
// validates one document and leaves ajv errors (verbose) in its `errors` property.
'use strict';
export const validate = validate20;
export default validate20;
const schema31 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://eval-sandbox.io/schemas/evaluation.v1alpha1.json',
  title: 'eval-sandbox Evaluation, version v1alpha1',
  description:
    'One evaluation run, rendered by `eval-sandbox render` into a hardened EvaluationSandbox: its own namespace (PSA restricted, quota, default-deny network), an identity with no rights, and a Job in gVisor. Checked by `eval-sandbox validate`.',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: {
      description: 'Version of this format.',
      'x-allowed': "write 'eval-sandbox.dev/v1alpha1'",
      const: 'eval-sandbox.dev/v1alpha1',
    },
    kind: {
      description: 'Kind of document.',
      'x-allowed': "write 'Evaluation'",
      const: 'Evaluation',
    },
    metadata: {
      description: 'Name and labels of the evaluation.',
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: {
          description:
            'Evaluation id, unique across all files: becomes the namespace `sbx-<name>`, the Job `eval-<name>`, the ConfigMap `eval-<name>-posture` and the `eval-sandbox.io/evaluation-id` label.',
          'x-allowed':
            "use 1 to 50 lowercase letters, digits and '-', starting and ending with a letter or digit (the derived names must fit in 63 characters)",
          type: 'string',
          minLength: 1,
          maxLength: 50,
          pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
        },
        labels: {
          description:
            'Provenance labels (team, commit, dataset, run group, …) put on the Job and its pods.',
          'x-allowed': 'use a mapping of label keys to label values',
          type: 'object',
          propertyNames: {
            'x-allowed':
              "use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (for example 'example.com/team')",
            maxLength: 317,
            pattern:
              '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$',
          },
          additionalProperties: {
            description: 'A label value.',
            'x-allowed':
              "use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, or an empty string (quote numbers and booleans)",
            type: 'string',
            maxLength: 63,
            pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$',
          },
        },
      },
    },
    spec: {
      description: 'What runs in the sandbox and what it may use.',
      type: 'object',
      additionalProperties: false,
      required: ['image', 'resources', 'timeout'],
      properties: {
        image: {
          description:
            'The task image, pinned by digest: `registry/repo/name@sha256:<64 lowercase hex>` (a tag before `@` is allowed and ignored by the runtime).',
          'x-allowed': "pin the image by digest: 'registry/repo/name@sha256:<64 lowercase hex>'",
          type: 'string',
          pattern: '^[^@\\s]+@sha256:[a-f0-9]{64}$',
        },
        command: {
          description: "Entrypoint of the evaluation container. Default: the image's entrypoint.",
          'x-allowed': 'use a list of strings',
          type: 'array',
          minItems: 1,
          items: {
            description: 'One word of the command.',
            'x-allowed': 'use a string (quote numbers)',
            type: 'string',
          },
        },
        args: {
          description: "Arguments of the evaluation container. Default: the image's arguments.",
          'x-allowed': 'use a list of strings',
          type: 'array',
          items: {
            description: 'One argument.',
            'x-allowed': 'use a string (quote numbers)',
            type: 'string',
          },
        },
        env: {
          description:
            'Plain environment variables of the evaluation container. Never put secret values here: the sandbox is untrusted and the values are written to the rendered manifests.',
          'x-allowed': 'use a mapping of variable names to strings',
          type: 'object',
          propertyNames: {
            'x-allowed': "use letters, digits, '_', '-' and '.', not starting with a digit",
            pattern: '^[-._a-zA-Z][-._a-zA-Z0-9]*$',
          },
          additionalProperties: {
            description: "The variable's value.",
            'x-allowed': 'use a string (quote numbers and booleans: "8080", "true")',
            type: 'string',
          },
        },
        resources: {
          description:
            'What the evaluation container requests and is limited to (requests equal limits). The sandbox quota is sized to hold them plus the gVisor pod overhead.',
          type: 'object',
          additionalProperties: false,
          required: ['cpu', 'memory', 'ephemeralStorage'],
          properties: {
            cpu: {
              description: 'CPU request and limit: cores (`1`, `1.5`) or millicores (`500m`).',
              'x-allowed':
                "use whole or decimal cores ('1', '1.5') or millicores ('500m'), more than zero",
              type: ['string', 'number'],
              exclusiveMinimum: 0,
              pattern: '^([0-9]+m|[0-9]+(\\.[0-9]{1,3})?)$',
            },
            memory: {
              description:
                'Memory request and limit, a Kubernetes quantity with a binary suffix (`512Mi`, `2Gi`). The memory-backed scratch volume at /tmp (`scratch`, 1Gi unless set) is charged to it.',
              'x-allowed':
                'use a whole number with a binary suffix Ki, Mi, Gi or Ti (for example 512Mi or 2Gi)',
              type: 'string',
              pattern: '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$',
            },
            ephemeralStorage: {
              description:
                'Ephemeral-storage request and limit (logs and writable layers), a Kubernetes quantity with a binary suffix (`4Gi`).',
              'x-allowed':
                'use a whole number with a binary suffix Ki, Mi, Gi or Ti (for example 4Gi)',
              type: 'string',
              pattern: '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$',
            },
            scratch: {
              description:
                'Size of the writable scratch volume at /tmp (the root filesystem is read-only). It is a tmpfs, charged to `memory` and bounded by the kernel, so it must not exceed `memory`. Default 1Gi.',
              'x-allowed':
                'use a whole number with a binary suffix Ki, Mi, Gi or Ti, at most memory (for example 256Mi or 1Gi)',
              type: 'string',
              pattern: '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$',
            },
          },
        },
        timeout: {
          description:
            'How long the Job may run before Kubernetes kills it (`activeDeadlineSeconds`), a Go-style duration of whole hours, minutes and seconds: `1h`, `90m`, `1h30m`, at most `24h`.',
          'x-allowed':
            'use a duration such as 1h, 90m or 1h30m (units h, m, s, in that order; at most 24h)',
          type: 'string',
          pattern: '^(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?$',
        },
        retries: {
          description:
            'How many times a failed run is run again (a non-zero exit of the evaluation, an OOM kill): with 0 the first failure fails the Job. Disruptions (eviction, a drained or lost node) are retried without counting, within the timeout. Default: 0.',
          'x-allowed': 'use a whole number from 0 to 5',
          type: 'integer',
          minimum: 0,
          maximum: 5,
        },
        ttlAfterFinished: {
          description:
            'How long the finished Job and its pods (and so their logs) are kept before the cluster deletes them, a Go-style duration (`15m`, `192h`). At least 15m, so the sandbox janitor sees a failed Job. Default: 192h (8 days, longer than the janitor keeps a failed run).',
          'x-allowed':
            'use a duration of at least 15m such as 15m, 1h or 192h (units h, m, s, in that order)',
          type: 'string',
          pattern: '^(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?$',
        },
        egress: {
          description: 'Network egress of the sandbox. Default: none at all, not even DNS.',
          type: 'object',
          additionalProperties: false,
          properties: {
            allow: {
              description:
                'Destinations the sandbox may reach, each becoming a NetworkPolicy `allow-egress-<n>` (1-based).',
              'x-allowed': 'use a list of {cidr, ports}',
              type: 'array',
              items: {
                description: 'One destination range and the ports on it.',
                type: 'object',
                additionalProperties: false,
                required: ['cidr'],
                properties: {
                  cidr: {
                    description:
                      'Destination range as a network address, IPv4 or IPv6 (`10.20.0.0/16`, `2001:db8::/32`). Link-local and instance-metadata ranges are refused.',
                    'x-allowed': 'use a network address with a prefix length, such as 10.20.0.0/16',
                    type: 'string',
                    pattern: '^[0-9a-fA-F.:]+/[0-9]{1,3}$',
                  },
                  ports: {
                    description: 'Destination ports. Required unless `allowAllPorts` is true.',
                    'x-allowed': 'use a list of port numbers',
                    type: 'array',
                    minItems: 1,
                    items: {
                      description: 'A port number.',
                      'x-allowed': 'use a whole number from 1 to 65535',
                      type: 'integer',
                      minimum: 1,
                      maximum: 65535,
                    },
                  },
                  protocol: {
                    description: 'Protocol of `ports`. Default: TCP.',
                    'x-allowed': 'use TCP or UDP',
                    enum: ['TCP', 'UDP'],
                  },
                  allowAllPorts: {
                    description:
                      'Open every port and protocol on `cidr`. Costs the port-level allowlist: anything listening on the range becomes reachable from the sandbox. Default: false.',
                    'x-allowed': 'use true or false',
                    type: 'boolean',
                  },
                },
              },
            },
            domains: {
              description:
                "Names the evaluation may reach over HTTP(S) through the sandbox's egress gateway: exact (`pypi.org`) or `*.` and a suffix (`*.githubusercontent.com`, which does not include `githubusercontent.com` itself). Lowercase, no URL, no port, no IP address, not under a reserved suffix (`local`, `internal`, …). The evaluation gets HTTPS_PROXY and HTTP_PROXY naming the gateway; rendering needs the platform's egress gateway image.",
              'x-allowed': 'use a list of names such as pypi.org or *.githubusercontent.com',
              type: 'array',
              minItems: 1,
              items: {
                description: 'One name or `*.suffix` pattern.',
                'x-allowed': 'use a lowercase DNS name such as pypi.org, or *. followed by one',
                type: 'string',
                minLength: 1,
                maxLength: 255,
              },
            },
            domainPorts: {
              description:
                'Destination ports of `domains`: 443 and other ports through CONNECT, 80 for plain http://. Default: [443].',
              'x-allowed': 'use a list of port numbers',
              type: 'array',
              minItems: 1,
              items: {
                description: 'A port number.',
                'x-allowed': 'use a whole number from 1 to 65535',
                type: 'integer',
                minimum: 1,
                maximum: 65535,
              },
            },
            allowClusterDns: {
              description:
                'Let the sandbox query the cluster DNS (UDP and TCP 53). Costs the closed DNS channel: the cluster DNS forwards any name outward. Default: false.',
              'x-allowed': 'use true or false',
              type: 'boolean',
            },
          },
        },
      },
    },
  },
};
const func1 = require('ajv/dist/runtime/ucs2length').default;
const func5 = Object.prototype.hasOwnProperty;
const pattern4 = new RegExp('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', 'u');
const pattern5 = new RegExp(
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$',
  'u',
);
const pattern6 = new RegExp('^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$', 'u');
const pattern7 = new RegExp('^[^@\\s]+@sha256:[a-f0-9]{64}$', 'u');
const pattern8 = new RegExp('^[-._a-zA-Z][-._a-zA-Z0-9]*$', 'u');
const pattern9 = new RegExp('^([0-9]+m|[0-9]+(\\.[0-9]{1,3})?)$', 'u');
const pattern10 = new RegExp('^[1-9][0-9]*(Ki|Mi|Gi|Ti)$', 'u');
const pattern13 = new RegExp('^(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?$', 'u');
const pattern15 = new RegExp('^[0-9a-fA-F.:]+/[0-9]{1,3}$', 'u');
function validate20(
  data,
  { instancePath = '', parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {},
) {
  /*# sourceURL="https://eval-sandbox.io/schemas/evaluation.v1alpha1.json" */ let vErrors = null;
  let errors = 0;
  const evaluated0 = validate20.evaluated;
  if (evaluated0.dynamicProps) {
    evaluated0.props = undefined;
  }
  if (evaluated0.dynamicItems) {
    evaluated0.items = undefined;
  }
  if (data && typeof data == 'object' && !Array.isArray(data)) {
    if (data.apiVersion === undefined) {
      const err0 = {
        instancePath,
        schemaPath: '#/required',
        keyword: 'required',
        params: { missingProperty: 'apiVersion' },
        message: "must have required property '" + 'apiVersion' + "'",
        schema: schema31.required,
        parentSchema: schema31,
        data,
      };
      if (vErrors === null) {
        vErrors = [err0];
      } else {
        vErrors.push(err0);
      }
      errors++;
    }
    if (data.kind === undefined) {
      const err1 = {
        instancePath,
        schemaPath: '#/required',
        keyword: 'required',
        params: { missingProperty: 'kind' },
        message: "must have required property '" + 'kind' + "'",
        schema: schema31.required,
        parentSchema: schema31,
        data,
      };
      if (vErrors === null) {
        vErrors = [err1];
      } else {
        vErrors.push(err1);
      }
      errors++;
    }
    if (data.metadata === undefined) {
      const err2 = {
        instancePath,
        schemaPath: '#/required',
        keyword: 'required',
        params: { missingProperty: 'metadata' },
        message: "must have required property '" + 'metadata' + "'",
        schema: schema31.required,
        parentSchema: schema31,
        data,
      };
      if (vErrors === null) {
        vErrors = [err2];
      } else {
        vErrors.push(err2);
      }
      errors++;
    }
    if (data.spec === undefined) {
      const err3 = {
        instancePath,
        schemaPath: '#/required',
        keyword: 'required',
        params: { missingProperty: 'spec' },
        message: "must have required property '" + 'spec' + "'",
        schema: schema31.required,
        parentSchema: schema31,
        data,
      };
      if (vErrors === null) {
        vErrors = [err3];
      } else {
        vErrors.push(err3);
      }
      errors++;
    }
    for (const key0 in data) {
      if (!(key0 === 'apiVersion' || key0 === 'kind' || key0 === 'metadata' || key0 === 'spec')) {
        const err4 = {
          instancePath,
          schemaPath: '#/additionalProperties',
          keyword: 'additionalProperties',
          params: { additionalProperty: key0 },
          message: 'must NOT have additional properties',
          schema: false,
          parentSchema: schema31,
          data,
        };
        if (vErrors === null) {
          vErrors = [err4];
        } else {
          vErrors.push(err4);
        }
        errors++;
      }
    }
    if (data.apiVersion !== undefined) {
      let data0 = data.apiVersion;
      if ('eval-sandbox.dev/v1alpha1' !== data0) {
        const err5 = {
          instancePath: instancePath + '/apiVersion',
          schemaPath: '#/properties/apiVersion/const',
          keyword: 'const',
          params: { allowedValue: 'eval-sandbox.dev/v1alpha1' },
          message: 'must be equal to constant',
          schema: 'eval-sandbox.dev/v1alpha1',
          parentSchema: schema31.properties.apiVersion,
          data: data0,
        };
        if (vErrors === null) {
          vErrors = [err5];
        } else {
          vErrors.push(err5);
        }
        errors++;
      }
    }
    if (data.kind !== undefined) {
      let data1 = data.kind;
      if ('Evaluation' !== data1) {
        const err6 = {
          instancePath: instancePath + '/kind',
          schemaPath: '#/properties/kind/const',
          keyword: 'const',
          params: { allowedValue: 'Evaluation' },
          message: 'must be equal to constant',
          schema: 'Evaluation',
          parentSchema: schema31.properties.kind,
          data: data1,
        };
        if (vErrors === null) {
          vErrors = [err6];
        } else {
          vErrors.push(err6);
        }
        errors++;
      }
    }
    if (data.metadata !== undefined) {
      let data2 = data.metadata;
      if (data2 && typeof data2 == 'object' && !Array.isArray(data2)) {
        if (data2.name === undefined) {
          const err7 = {
            instancePath: instancePath + '/metadata',
            schemaPath: '#/properties/metadata/required',
            keyword: 'required',
            params: { missingProperty: 'name' },
            message: "must have required property '" + 'name' + "'",
            schema: schema31.properties.metadata.required,
            parentSchema: schema31.properties.metadata,
            data: data2,
          };
          if (vErrors === null) {
            vErrors = [err7];
          } else {
            vErrors.push(err7);
          }
          errors++;
        }
        for (const key1 in data2) {
          if (!(key1 === 'name' || key1 === 'labels')) {
            const err8 = {
              instancePath: instancePath + '/metadata',
              schemaPath: '#/properties/metadata/additionalProperties',
              keyword: 'additionalProperties',
              params: { additionalProperty: key1 },
              message: 'must NOT have additional properties',
              schema: false,
              parentSchema: schema31.properties.metadata,
              data: data2,
            };
            if (vErrors === null) {
              vErrors = [err8];
            } else {
              vErrors.push(err8);
            }
            errors++;
          }
        }
        if (data2.name !== undefined) {
          let data3 = data2.name;
          if (typeof data3 === 'string') {
            if (func1(data3) > 50) {
              const err9 = {
                instancePath: instancePath + '/metadata/name',
                schemaPath: '#/properties/metadata/properties/name/maxLength',
                keyword: 'maxLength',
                params: { limit: 50 },
                message: 'must NOT have more than 50 characters',
                schema: 50,
                parentSchema: schema31.properties.metadata.properties.name,
                data: data3,
              };
              if (vErrors === null) {
                vErrors = [err9];
              } else {
                vErrors.push(err9);
              }
              errors++;
            }
            if (func1(data3) < 1) {
              const err10 = {
                instancePath: instancePath + '/metadata/name',
                schemaPath: '#/properties/metadata/properties/name/minLength',
                keyword: 'minLength',
                params: { limit: 1 },
                message: 'must NOT have fewer than 1 characters',
                schema: 1,
                parentSchema: schema31.properties.metadata.properties.name,
                data: data3,
              };
              if (vErrors === null) {
                vErrors = [err10];
              } else {
                vErrors.push(err10);
              }
              errors++;
            }
            if (!pattern4.test(data3)) {
              const err11 = {
                instancePath: instancePath + '/metadata/name',
                schemaPath: '#/properties/metadata/properties/name/pattern',
                keyword: 'pattern',
                params: { pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
                message: 'must match pattern "' + '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' + '"',
                schema: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
                parentSchema: schema31.properties.metadata.properties.name,
                data: data3,
              };
              if (vErrors === null) {
                vErrors = [err11];
              } else {
                vErrors.push(err11);
              }
              errors++;
            }
          } else {
            const err12 = {
              instancePath: instancePath + '/metadata/name',
              schemaPath: '#/properties/metadata/properties/name/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema31.properties.metadata.properties.name.type,
              parentSchema: schema31.properties.metadata.properties.name,
              data: data3,
            };
            if (vErrors === null) {
              vErrors = [err12];
            } else {
              vErrors.push(err12);
            }
            errors++;
          }
        }
        if (data2.labels !== undefined) {
          let data4 = data2.labels;
          if (data4 && typeof data4 == 'object' && !Array.isArray(data4)) {
            for (const key2 in data4) {
              const _errs11 = errors;
              if (typeof key2 === 'string') {
                if (func1(key2) > 317) {
                  const err13 = {
                    instancePath: instancePath + '/metadata/labels',
                    schemaPath: '#/properties/metadata/properties/labels/propertyNames/maxLength',
                    keyword: 'maxLength',
                    params: { limit: 317 },
                    message: 'must NOT have more than 317 characters',
                    schema: 317,
                    parentSchema: schema31.properties.metadata.properties.labels.propertyNames,
                    data: key2,
                    propertyName: key2,
                  };
                  if (vErrors === null) {
                    vErrors = [err13];
                  } else {
                    vErrors.push(err13);
                  }
                  errors++;
                }
                if (!pattern5.test(key2)) {
                  const err14 = {
                    instancePath: instancePath + '/metadata/labels',
                    schemaPath: '#/properties/metadata/properties/labels/propertyNames/pattern',
                    keyword: 'pattern',
                    params: {
                      pattern:
                        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$',
                    },
                    message:
                      'must match pattern "' +
                      '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$' +
                      '"',
                    schema:
                      '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$',
                    parentSchema: schema31.properties.metadata.properties.labels.propertyNames,
                    data: key2,
                    propertyName: key2,
                  };
                  if (vErrors === null) {
                    vErrors = [err14];
                  } else {
                    vErrors.push(err14);
                  }
                  errors++;
                }
              }
              var valid2 = _errs11 === errors;
              if (!valid2) {
                const err15 = {
                  instancePath: instancePath + '/metadata/labels',
                  schemaPath: '#/properties/metadata/properties/labels/propertyNames',
                  keyword: 'propertyNames',
                  params: { propertyName: key2 },
                  message: 'property name must be valid',
                  schema: schema31.properties.metadata.properties.labels.propertyNames,
                  parentSchema: schema31.properties.metadata.properties.labels,
                  data: data4,
                };
                if (vErrors === null) {
                  vErrors = [err15];
                } else {
                  vErrors.push(err15);
                }
                errors++;
              }
            }
            for (const key3 in data4) {
              let data5 = data4[key3];
              if (typeof data5 === 'string') {
                if (func1(data5) > 63) {
                  const err16 = {
                    instancePath:
                      instancePath +
                      '/metadata/labels/' +
                      key3.replace(/~/g, '~0').replace(/\//g, '~1'),
                    schemaPath:
                      '#/properties/metadata/properties/labels/additionalProperties/maxLength',
                    keyword: 'maxLength',
                    params: { limit: 63 },
                    message: 'must NOT have more than 63 characters',
                    schema: 63,
                    parentSchema:
                      schema31.properties.metadata.properties.labels.additionalProperties,
                    data: data5,
                  };
                  if (vErrors === null) {
                    vErrors = [err16];
                  } else {
                    vErrors.push(err16);
                  }
                  errors++;
                }
                if (!pattern6.test(data5)) {
                  const err17 = {
                    instancePath:
                      instancePath +
                      '/metadata/labels/' +
                      key3.replace(/~/g, '~0').replace(/\//g, '~1'),
                    schemaPath:
                      '#/properties/metadata/properties/labels/additionalProperties/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$' },
                    message:
                      'must match pattern "' +
                      '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$' +
                      '"',
                    schema: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$',
                    parentSchema:
                      schema31.properties.metadata.properties.labels.additionalProperties,
                    data: data5,
                  };
                  if (vErrors === null) {
                    vErrors = [err17];
                  } else {
                    vErrors.push(err17);
                  }
                  errors++;
                }
              } else {
                const err18 = {
                  instancePath:
                    instancePath +
                    '/metadata/labels/' +
                    key3.replace(/~/g, '~0').replace(/\//g, '~1'),
                  schemaPath: '#/properties/metadata/properties/labels/additionalProperties/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema31.properties.metadata.properties.labels.additionalProperties.type,
                  parentSchema: schema31.properties.metadata.properties.labels.additionalProperties,
                  data: data5,
                };
                if (vErrors === null) {
                  vErrors = [err18];
                } else {
                  vErrors.push(err18);
                }
                errors++;
              }
            }
          } else {
            const err19 = {
              instancePath: instancePath + '/metadata/labels',
              schemaPath: '#/properties/metadata/properties/labels/type',
              keyword: 'type',
              params: { type: 'object' },
              message: 'must be object',
              schema: schema31.properties.metadata.properties.labels.type,
              parentSchema: schema31.properties.metadata.properties.labels,
              data: data4,
            };
            if (vErrors === null) {
              vErrors = [err19];
            } else {
              vErrors.push(err19);
            }
            errors++;
          }
        }
      } else {
        const err20 = {
          instancePath: instancePath + '/metadata',
          schemaPath: '#/properties/metadata/type',
          keyword: 'type',
          params: { type: 'object' },
          message: 'must be object',
          schema: schema31.properties.metadata.type,
          parentSchema: schema31.properties.metadata,
          data: data2,
        };
        if (vErrors === null) {
          vErrors = [err20];
        } else {
          vErrors.push(err20);
        }
        errors++;
      }
    }
    if (data.spec !== undefined) {
      let data6 = data.spec;
      if (data6 && typeof data6 == 'object' && !Array.isArray(data6)) {
        if (data6.image === undefined) {
          const err21 = {
            instancePath: instancePath + '/spec',
            schemaPath: '#/properties/spec/required',
            keyword: 'required',
            params: { missingProperty: 'image' },
            message: "must have required property '" + 'image' + "'",
            schema: schema31.properties.spec.required,
            parentSchema: schema31.properties.spec,
            data: data6,
          };
          if (vErrors === null) {
            vErrors = [err21];
          } else {
            vErrors.push(err21);
          }
          errors++;
        }
        if (data6.resources === undefined) {
          const err22 = {
            instancePath: instancePath + '/spec',
            schemaPath: '#/properties/spec/required',
            keyword: 'required',
            params: { missingProperty: 'resources' },
            message: "must have required property '" + 'resources' + "'",
            schema: schema31.properties.spec.required,
            parentSchema: schema31.properties.spec,
            data: data6,
          };
          if (vErrors === null) {
            vErrors = [err22];
          } else {
            vErrors.push(err22);
          }
          errors++;
        }
        if (data6.timeout === undefined) {
          const err23 = {
            instancePath: instancePath + '/spec',
            schemaPath: '#/properties/spec/required',
            keyword: 'required',
            params: { missingProperty: 'timeout' },
            message: "must have required property '" + 'timeout' + "'",
            schema: schema31.properties.spec.required,
            parentSchema: schema31.properties.spec,
            data: data6,
          };
          if (vErrors === null) {
            vErrors = [err23];
          } else {
            vErrors.push(err23);
          }
          errors++;
        }
        for (const key4 in data6) {
          if (!func5.call(schema31.properties.spec.properties, key4)) {
            const err24 = {
              instancePath: instancePath + '/spec',
              schemaPath: '#/properties/spec/additionalProperties',
              keyword: 'additionalProperties',
              params: { additionalProperty: key4 },
              message: 'must NOT have additional properties',
              schema: false,
              parentSchema: schema31.properties.spec,
              data: data6,
            };
            if (vErrors === null) {
              vErrors = [err24];
            } else {
              vErrors.push(err24);
            }
            errors++;
          }
        }
        if (data6.image !== undefined) {
          let data7 = data6.image;
          if (typeof data7 === 'string') {
            if (!pattern7.test(data7)) {
              const err25 = {
                instancePath: instancePath + '/spec/image',
                schemaPath: '#/properties/spec/properties/image/pattern',
                keyword: 'pattern',
                params: { pattern: '^[^@\\s]+@sha256:[a-f0-9]{64}$' },
                message: 'must match pattern "' + '^[^@\\s]+@sha256:[a-f0-9]{64}$' + '"',
                schema: '^[^@\\s]+@sha256:[a-f0-9]{64}$',
                parentSchema: schema31.properties.spec.properties.image,
                data: data7,
              };
              if (vErrors === null) {
                vErrors = [err25];
              } else {
                vErrors.push(err25);
              }
              errors++;
            }
          } else {
            const err26 = {
              instancePath: instancePath + '/spec/image',
              schemaPath: '#/properties/spec/properties/image/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema31.properties.spec.properties.image.type,
              parentSchema: schema31.properties.spec.properties.image,
              data: data7,
            };
            if (vErrors === null) {
              vErrors = [err26];
            } else {
              vErrors.push(err26);
            }
            errors++;
          }
        }
        if (data6.command !== undefined) {
          let data8 = data6.command;
          if (Array.isArray(data8)) {
            if (data8.length < 1) {
              const err27 = {
                instancePath: instancePath + '/spec/command',
                schemaPath: '#/properties/spec/properties/command/minItems',
                keyword: 'minItems',
                params: { limit: 1 },
                message: 'must NOT have fewer than 1 items',
                schema: 1,
                parentSchema: schema31.properties.spec.properties.command,
                data: data8,
              };
              if (vErrors === null) {
                vErrors = [err27];
              } else {
                vErrors.push(err27);
              }
              errors++;
            }
            const len0 = data8.length;
            for (let i0 = 0; i0 < len0; i0++) {
              let data9 = data8[i0];
              if (typeof data9 !== 'string') {
                const err28 = {
                  instancePath: instancePath + '/spec/command/' + i0,
                  schemaPath: '#/properties/spec/properties/command/items/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema31.properties.spec.properties.command.items.type,
                  parentSchema: schema31.properties.spec.properties.command.items,
                  data: data9,
                };
                if (vErrors === null) {
                  vErrors = [err28];
                } else {
                  vErrors.push(err28);
                }
                errors++;
              }
            }
          } else {
            const err29 = {
              instancePath: instancePath + '/spec/command',
              schemaPath: '#/properties/spec/properties/command/type',
              keyword: 'type',
              params: { type: 'array' },
              message: 'must be array',
              schema: schema31.properties.spec.properties.command.type,
              parentSchema: schema31.properties.spec.properties.command,
              data: data8,
            };
            if (vErrors === null) {
              vErrors = [err29];
            } else {
              vErrors.push(err29);
            }
            errors++;
          }
        }
        if (data6.args !== undefined) {
          let data10 = data6.args;
          if (Array.isArray(data10)) {
            const len1 = data10.length;
            for (let i1 = 0; i1 < len1; i1++) {
              let data11 = data10[i1];
              if (typeof data11 !== 'string') {
                const err30 = {
                  instancePath: instancePath + '/spec/args/' + i1,
                  schemaPath: '#/properties/spec/properties/args/items/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema31.properties.spec.properties.args.items.type,
                  parentSchema: schema31.properties.spec.properties.args.items,
                  data: data11,
                };
                if (vErrors === null) {
                  vErrors = [err30];
                } else {
                  vErrors.push(err30);
                }
                errors++;
              }
            }
          } else {
            const err31 = {
              instancePath: instancePath + '/spec/args',
              schemaPath: '#/properties/spec/properties/args/type',
              keyword: 'type',
              params: { type: 'array' },
              message: 'must be array',
              schema: schema31.properties.spec.properties.args.type,
              parentSchema: schema31.properties.spec.properties.args,
              data: data10,
            };
            if (vErrors === null) {
              vErrors = [err31];
            } else {
              vErrors.push(err31);
            }
            errors++;
          }
        }
        if (data6.env !== undefined) {
          let data12 = data6.env;
          if (data12 && typeof data12 == 'object' && !Array.isArray(data12)) {
            for (const key5 in data12) {
              const _errs30 = errors;
              if (typeof key5 === 'string') {
                if (!pattern8.test(key5)) {
                  const err32 = {
                    instancePath: instancePath + '/spec/env',
                    schemaPath: '#/properties/spec/properties/env/propertyNames/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[-._a-zA-Z][-._a-zA-Z0-9]*$' },
                    message: 'must match pattern "' + '^[-._a-zA-Z][-._a-zA-Z0-9]*$' + '"',
                    schema: '^[-._a-zA-Z][-._a-zA-Z0-9]*$',
                    parentSchema: schema31.properties.spec.properties.env.propertyNames,
                    data: key5,
                    propertyName: key5,
                  };
                  if (vErrors === null) {
                    vErrors = [err32];
                  } else {
                    vErrors.push(err32);
                  }
                  errors++;
                }
              }
              var valid9 = _errs30 === errors;
              if (!valid9) {
                const err33 = {
                  instancePath: instancePath + '/spec/env',
                  schemaPath: '#/properties/spec/properties/env/propertyNames',
                  keyword: 'propertyNames',
                  params: { propertyName: key5 },
                  message: 'property name must be valid',
                  schema: schema31.properties.spec.properties.env.propertyNames,
                  parentSchema: schema31.properties.spec.properties.env,
                  data: data12,
                };
                if (vErrors === null) {
                  vErrors = [err33];
                } else {
                  vErrors.push(err33);
                }
                errors++;
              }
            }
            for (const key6 in data12) {
              let data13 = data12[key6];
              if (typeof data13 !== 'string') {
                const err34 = {
                  instancePath:
                    instancePath + '/spec/env/' + key6.replace(/~/g, '~0').replace(/\//g, '~1'),
                  schemaPath: '#/properties/spec/properties/env/additionalProperties/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema31.properties.spec.properties.env.additionalProperties.type,
                  parentSchema: schema31.properties.spec.properties.env.additionalProperties,
                  data: data13,
                };
                if (vErrors === null) {
                  vErrors = [err34];
                } else {
                  vErrors.push(err34);
                }
                errors++;
              }
            }
          } else {
            const err35 = {
              instancePath: instancePath + '/spec/env',
              schemaPath: '#/properties/spec/properties/env/type',
              keyword: 'type',
              params: { type: 'object' },
              message: 'must be object',
              schema: schema31.properties.spec.properties.env.type,
              parentSchema: schema31.properties.spec.properties.env,
              data: data12,
            };
            if (vErrors === null) {
              vErrors = [err35];
            } else {
              vErrors.push(err35);
            }
            errors++;
          }
        }
        if (data6.resources !== undefined) {
          let data14 = data6.resources;
          if (data14 && typeof data14 == 'object' && !Array.isArray(data14)) {
            if (data14.cpu === undefined) {
              const err36 = {
                instancePath: instancePath + '/spec/resources',
                schemaPath: '#/properties/spec/properties/resources/required',
                keyword: 'required',
                params: { missingProperty: 'cpu' },
                message: "must have required property '" + 'cpu' + "'",
                schema: schema31.properties.spec.properties.resources.required,
                parentSchema: schema31.properties.spec.properties.resources,
                data: data14,
              };
              if (vErrors === null) {
                vErrors = [err36];
              } else {
                vErrors.push(err36);
              }
              errors++;
            }
            if (data14.memory === undefined) {
              const err37 = {
                instancePath: instancePath + '/spec/resources',
                schemaPath: '#/properties/spec/properties/resources/required',
                keyword: 'required',
                params: { missingProperty: 'memory' },
                message: "must have required property '" + 'memory' + "'",
                schema: schema31.properties.spec.properties.resources.required,
                parentSchema: schema31.properties.spec.properties.resources,
                data: data14,
              };
              if (vErrors === null) {
                vErrors = [err37];
              } else {
                vErrors.push(err37);
              }
              errors++;
            }
            if (data14.ephemeralStorage === undefined) {
              const err38 = {
                instancePath: instancePath + '/spec/resources',
                schemaPath: '#/properties/spec/properties/resources/required',
                keyword: 'required',
                params: { missingProperty: 'ephemeralStorage' },
                message: "must have required property '" + 'ephemeralStorage' + "'",
                schema: schema31.properties.spec.properties.resources.required,
                parentSchema: schema31.properties.spec.properties.resources,
                data: data14,
              };
              if (vErrors === null) {
                vErrors = [err38];
              } else {
                vErrors.push(err38);
              }
              errors++;
            }
            for (const key7 in data14) {
              if (!(
                key7 === 'cpu' ||
                key7 === 'memory' ||
                key7 === 'ephemeralStorage' ||
                key7 === 'scratch'
              )) {
                const err39 = {
                  instancePath: instancePath + '/spec/resources',
                  schemaPath: '#/properties/spec/properties/resources/additionalProperties',
                  keyword: 'additionalProperties',
                  params: { additionalProperty: key7 },
                  message: 'must NOT have additional properties',
                  schema: false,
                  parentSchema: schema31.properties.spec.properties.resources,
                  data: data14,
                };
                if (vErrors === null) {
                  vErrors = [err39];
                } else {
                  vErrors.push(err39);
                }
                errors++;
              }
            }
            if (data14.cpu !== undefined) {
              let data15 = data14.cpu;
              if (typeof data15 !== 'string' && !(typeof data15 == 'number' && isFinite(data15))) {
                const err40 = {
                  instancePath: instancePath + '/spec/resources/cpu',
                  schemaPath: '#/properties/spec/properties/resources/properties/cpu/type',
                  keyword: 'type',
                  params: {
                    type: schema31.properties.spec.properties.resources.properties.cpu.type,
                  },
                  message: 'must be string,number',
                  schema: schema31.properties.spec.properties.resources.properties.cpu.type,
                  parentSchema: schema31.properties.spec.properties.resources.properties.cpu,
                  data: data15,
                };
                if (vErrors === null) {
                  vErrors = [err40];
                } else {
                  vErrors.push(err40);
                }
                errors++;
              }
              if (typeof data15 == 'number' && isFinite(data15)) {
                if (data15 <= 0 || isNaN(data15)) {
                  const err41 = {
                    instancePath: instancePath + '/spec/resources/cpu',
                    schemaPath:
                      '#/properties/spec/properties/resources/properties/cpu/exclusiveMinimum',
                    keyword: 'exclusiveMinimum',
                    params: { comparison: '>', limit: 0 },
                    message: 'must be > 0',
                    schema: 0,
                    parentSchema: schema31.properties.spec.properties.resources.properties.cpu,
                    data: data15,
                  };
                  if (vErrors === null) {
                    vErrors = [err41];
                  } else {
                    vErrors.push(err41);
                  }
                  errors++;
                }
              }
              if (typeof data15 === 'string') {
                if (!pattern9.test(data15)) {
                  const err42 = {
                    instancePath: instancePath + '/spec/resources/cpu',
                    schemaPath: '#/properties/spec/properties/resources/properties/cpu/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^([0-9]+m|[0-9]+(\\.[0-9]{1,3})?)$' },
                    message: 'must match pattern "' + '^([0-9]+m|[0-9]+(\\.[0-9]{1,3})?)$' + '"',
                    schema: '^([0-9]+m|[0-9]+(\\.[0-9]{1,3})?)$',
                    parentSchema: schema31.properties.spec.properties.resources.properties.cpu,
                    data: data15,
                  };
                  if (vErrors === null) {
                    vErrors = [err42];
                  } else {
                    vErrors.push(err42);
                  }
                  errors++;
                }
              }
            }
            if (data14.memory !== undefined) {
              let data16 = data14.memory;
              if (typeof data16 === 'string') {
                if (!pattern10.test(data16)) {
                  const err43 = {
                    instancePath: instancePath + '/spec/resources/memory',
                    schemaPath: '#/properties/spec/properties/resources/properties/memory/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$' },
                    message: 'must match pattern "' + '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$' + '"',
                    schema: '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$',
                    parentSchema: schema31.properties.spec.properties.resources.properties.memory,
                    data: data16,
                  };
                  if (vErrors === null) {
                    vErrors = [err43];
                  } else {
                    vErrors.push(err43);
                  }
                  errors++;
                }
              } else {
                const err44 = {
                  instancePath: instancePath + '/spec/resources/memory',
                  schemaPath: '#/properties/spec/properties/resources/properties/memory/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema31.properties.spec.properties.resources.properties.memory.type,
                  parentSchema: schema31.properties.spec.properties.resources.properties.memory,
                  data: data16,
                };
                if (vErrors === null) {
                  vErrors = [err44];
                } else {
                  vErrors.push(err44);
                }
                errors++;
              }
            }
            if (data14.ephemeralStorage !== undefined) {
              let data17 = data14.ephemeralStorage;
              if (typeof data17 === 'string') {
                if (!pattern10.test(data17)) {
                  const err45 = {
                    instancePath: instancePath + '/spec/resources/ephemeralStorage',
                    schemaPath:
                      '#/properties/spec/properties/resources/properties/ephemeralStorage/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$' },
                    message: 'must match pattern "' + '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$' + '"',
                    schema: '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$',
                    parentSchema:
                      schema31.properties.spec.properties.resources.properties.ephemeralStorage,
                    data: data17,
                  };
                  if (vErrors === null) {
                    vErrors = [err45];
                  } else {
                    vErrors.push(err45);
                  }
                  errors++;
                }
              } else {
                const err46 = {
                  instancePath: instancePath + '/spec/resources/ephemeralStorage',
                  schemaPath:
                    '#/properties/spec/properties/resources/properties/ephemeralStorage/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema:
                    schema31.properties.spec.properties.resources.properties.ephemeralStorage.type,
                  parentSchema:
                    schema31.properties.spec.properties.resources.properties.ephemeralStorage,
                  data: data17,
                };
                if (vErrors === null) {
                  vErrors = [err46];
                } else {
                  vErrors.push(err46);
                }
                errors++;
              }
            }
            if (data14.scratch !== undefined) {
              let data18 = data14.scratch;
              if (typeof data18 === 'string') {
                if (!pattern10.test(data18)) {
                  const err47 = {
                    instancePath: instancePath + '/spec/resources/scratch',
                    schemaPath: '#/properties/spec/properties/resources/properties/scratch/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$' },
                    message: 'must match pattern "' + '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$' + '"',
                    schema: '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$',
                    parentSchema: schema31.properties.spec.properties.resources.properties.scratch,
                    data: data18,
                  };
                  if (vErrors === null) {
                    vErrors = [err47];
                  } else {
                    vErrors.push(err47);
                  }
                  errors++;
                }
              } else {
                const err48 = {
                  instancePath: instancePath + '/spec/resources/scratch',
                  schemaPath: '#/properties/spec/properties/resources/properties/scratch/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema31.properties.spec.properties.resources.properties.scratch.type,
                  parentSchema: schema31.properties.spec.properties.resources.properties.scratch,
                  data: data18,
                };
                if (vErrors === null) {
                  vErrors = [err48];
                } else {
                  vErrors.push(err48);
                }
                errors++;
              }
            }
          } else {
            const err49 = {
              instancePath: instancePath + '/spec/resources',
              schemaPath: '#/properties/spec/properties/resources/type',
              keyword: 'type',
              params: { type: 'object' },
              message: 'must be object',
              schema: schema31.properties.spec.properties.resources.type,
              parentSchema: schema31.properties.spec.properties.resources,
              data: data14,
            };
            if (vErrors === null) {
              vErrors = [err49];
            } else {
              vErrors.push(err49);
            }
            errors++;
          }
        }
        if (data6.timeout !== undefined) {
          let data19 = data6.timeout;
          if (typeof data19 === 'string') {
            if (!pattern13.test(data19)) {
              const err50 = {
                instancePath: instancePath + '/spec/timeout',
                schemaPath: '#/properties/spec/properties/timeout/pattern',
                keyword: 'pattern',
                params: { pattern: '^(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?$' },
                message: 'must match pattern "' + '^(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?$' + '"',
                schema: '^(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?$',
                parentSchema: schema31.properties.spec.properties.timeout,
                data: data19,
              };
              if (vErrors === null) {
                vErrors = [err50];
              } else {
                vErrors.push(err50);
              }
              errors++;
            }
          } else {
            const err51 = {
              instancePath: instancePath + '/spec/timeout',
              schemaPath: '#/properties/spec/properties/timeout/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema31.properties.spec.properties.timeout.type,
              parentSchema: schema31.properties.spec.properties.timeout,
              data: data19,
            };
            if (vErrors === null) {
              vErrors = [err51];
            } else {
              vErrors.push(err51);
            }
            errors++;
          }
        }
        if (data6.retries !== undefined) {
          let data20 = data6.retries;
          if (!(typeof data20 == 'number' && !(data20 % 1) && !isNaN(data20) && isFinite(data20))) {
            const err52 = {
              instancePath: instancePath + '/spec/retries',
              schemaPath: '#/properties/spec/properties/retries/type',
              keyword: 'type',
              params: { type: 'integer' },
              message: 'must be integer',
              schema: schema31.properties.spec.properties.retries.type,
              parentSchema: schema31.properties.spec.properties.retries,
              data: data20,
            };
            if (vErrors === null) {
              vErrors = [err52];
            } else {
              vErrors.push(err52);
            }
            errors++;
          }
          if (typeof data20 == 'number' && isFinite(data20)) {
            if (data20 > 5 || isNaN(data20)) {
              const err53 = {
                instancePath: instancePath + '/spec/retries',
                schemaPath: '#/properties/spec/properties/retries/maximum',
                keyword: 'maximum',
                params: { comparison: '<=', limit: 5 },
                message: 'must be <= 5',
                schema: 5,
                parentSchema: schema31.properties.spec.properties.retries,
                data: data20,
              };
              if (vErrors === null) {
                vErrors = [err53];
              } else {
                vErrors.push(err53);
              }
              errors++;
            }
            if (data20 < 0 || isNaN(data20)) {
              const err54 = {
                instancePath: instancePath + '/spec/retries',
                schemaPath: '#/properties/spec/properties/retries/minimum',
                keyword: 'minimum',
                params: { comparison: '>=', limit: 0 },
                message: 'must be >= 0',
                schema: 0,
                parentSchema: schema31.properties.spec.properties.retries,
                data: data20,
              };
              if (vErrors === null) {
                vErrors = [err54];
              } else {
                vErrors.push(err54);
              }
              errors++;
            }
          }
        }
        if (data6.ttlAfterFinished !== undefined) {
          let data21 = data6.ttlAfterFinished;
          if (typeof data21 === 'string') {
            if (!pattern13.test(data21)) {
              const err55 = {
                instancePath: instancePath + '/spec/ttlAfterFinished',
                schemaPath: '#/properties/spec/properties/ttlAfterFinished/pattern',
                keyword: 'pattern',
                params: { pattern: '^(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?$' },
                message: 'must match pattern "' + '^(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?$' + '"',
                schema: '^(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?$',
                parentSchema: schema31.properties.spec.properties.ttlAfterFinished,
                data: data21,
              };
              if (vErrors === null) {
                vErrors = [err55];
              } else {
                vErrors.push(err55);
              }
              errors++;
            }
          } else {
            const err56 = {
              instancePath: instancePath + '/spec/ttlAfterFinished',
              schemaPath: '#/properties/spec/properties/ttlAfterFinished/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema31.properties.spec.properties.ttlAfterFinished.type,
              parentSchema: schema31.properties.spec.properties.ttlAfterFinished,
              data: data21,
            };
            if (vErrors === null) {
              vErrors = [err56];
            } else {
              vErrors.push(err56);
            }
            errors++;
          }
        }
        if (data6.egress !== undefined) {
          let data22 = data6.egress;
          if (data22 && typeof data22 == 'object' && !Array.isArray(data22)) {
            for (const key8 in data22) {
              if (!(
                key8 === 'allow' ||
                key8 === 'domains' ||
                key8 === 'domainPorts' ||
                key8 === 'allowClusterDns'
              )) {
                const err57 = {
                  instancePath: instancePath + '/spec/egress',
                  schemaPath: '#/properties/spec/properties/egress/additionalProperties',
                  keyword: 'additionalProperties',
                  params: { additionalProperty: key8 },
                  message: 'must NOT have additional properties',
                  schema: false,
                  parentSchema: schema31.properties.spec.properties.egress,
                  data: data22,
                };
                if (vErrors === null) {
                  vErrors = [err57];
                } else {
                  vErrors.push(err57);
                }
                errors++;
              }
            }
            if (data22.allow !== undefined) {
              let data23 = data22.allow;
              if (Array.isArray(data23)) {
                const len2 = data23.length;
                for (let i2 = 0; i2 < len2; i2++) {
                  let data24 = data23[i2];
                  if (data24 && typeof data24 == 'object' && !Array.isArray(data24)) {
                    if (data24.cidr === undefined) {
                      const err58 = {
                        instancePath: instancePath + '/spec/egress/allow/' + i2,
                        schemaPath:
                          '#/properties/spec/properties/egress/properties/allow/items/required',
                        keyword: 'required',
                        params: { missingProperty: 'cidr' },
                        message: "must have required property '" + 'cidr' + "'",
                        schema:
                          schema31.properties.spec.properties.egress.properties.allow.items
                            .required,
                        parentSchema:
                          schema31.properties.spec.properties.egress.properties.allow.items,
                        data: data24,
                      };
                      if (vErrors === null) {
                        vErrors = [err58];
                      } else {
                        vErrors.push(err58);
                      }
                      errors++;
                    }
                    for (const key9 in data24) {
                      if (!(
                        key9 === 'cidr' ||
                        key9 === 'ports' ||
                        key9 === 'protocol' ||
                        key9 === 'allowAllPorts'
                      )) {
                        const err59 = {
                          instancePath: instancePath + '/spec/egress/allow/' + i2,
                          schemaPath:
                            '#/properties/spec/properties/egress/properties/allow/items/additionalProperties',
                          keyword: 'additionalProperties',
                          params: { additionalProperty: key9 },
                          message: 'must NOT have additional properties',
                          schema: false,
                          parentSchema:
                            schema31.properties.spec.properties.egress.properties.allow.items,
                          data: data24,
                        };
                        if (vErrors === null) {
                          vErrors = [err59];
                        } else {
                          vErrors.push(err59);
                        }
                        errors++;
                      }
                    }
                    if (data24.cidr !== undefined) {
                      let data25 = data24.cidr;
                      if (typeof data25 === 'string') {
                        if (!pattern15.test(data25)) {
                          const err60 = {
                            instancePath: instancePath + '/spec/egress/allow/' + i2 + '/cidr',
                            schemaPath:
                              '#/properties/spec/properties/egress/properties/allow/items/properties/cidr/pattern',
                            keyword: 'pattern',
                            params: { pattern: '^[0-9a-fA-F.:]+/[0-9]{1,3}$' },
                            message: 'must match pattern "' + '^[0-9a-fA-F.:]+/[0-9]{1,3}$' + '"',
                            schema: '^[0-9a-fA-F.:]+/[0-9]{1,3}$',
                            parentSchema:
                              schema31.properties.spec.properties.egress.properties.allow.items
                                .properties.cidr,
                            data: data25,
                          };
                          if (vErrors === null) {
                            vErrors = [err60];
                          } else {
                            vErrors.push(err60);
                          }
                          errors++;
                        }
                      } else {
                        const err61 = {
                          instancePath: instancePath + '/spec/egress/allow/' + i2 + '/cidr',
                          schemaPath:
                            '#/properties/spec/properties/egress/properties/allow/items/properties/cidr/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema31.properties.spec.properties.egress.properties.allow.items
                              .properties.cidr.type,
                          parentSchema:
                            schema31.properties.spec.properties.egress.properties.allow.items
                              .properties.cidr,
                          data: data25,
                        };
                        if (vErrors === null) {
                          vErrors = [err61];
                        } else {
                          vErrors.push(err61);
                        }
                        errors++;
                      }
                    }
                    if (data24.ports !== undefined) {
                      let data26 = data24.ports;
                      if (Array.isArray(data26)) {
                        if (data26.length < 1) {
                          const err62 = {
                            instancePath: instancePath + '/spec/egress/allow/' + i2 + '/ports',
                            schemaPath:
                              '#/properties/spec/properties/egress/properties/allow/items/properties/ports/minItems',
                            keyword: 'minItems',
                            params: { limit: 1 },
                            message: 'must NOT have fewer than 1 items',
                            schema: 1,
                            parentSchema:
                              schema31.properties.spec.properties.egress.properties.allow.items
                                .properties.ports,
                            data: data26,
                          };
                          if (vErrors === null) {
                            vErrors = [err62];
                          } else {
                            vErrors.push(err62);
                          }
                          errors++;
                        }
                        const len3 = data26.length;
                        for (let i3 = 0; i3 < len3; i3++) {
                          let data27 = data26[i3];
                          if (!(
                            typeof data27 == 'number' &&
                            !(data27 % 1) &&
                            !isNaN(data27) &&
                            isFinite(data27)
                          )) {
                            const err63 = {
                              instancePath:
                                instancePath + '/spec/egress/allow/' + i2 + '/ports/' + i3,
                              schemaPath:
                                '#/properties/spec/properties/egress/properties/allow/items/properties/ports/items/type',
                              keyword: 'type',
                              params: { type: 'integer' },
                              message: 'must be integer',
                              schema:
                                schema31.properties.spec.properties.egress.properties.allow.items
                                  .properties.ports.items.type,
                              parentSchema:
                                schema31.properties.spec.properties.egress.properties.allow.items
                                  .properties.ports.items,
                              data: data27,
                            };
                            if (vErrors === null) {
                              vErrors = [err63];
                            } else {
                              vErrors.push(err63);
                            }
                            errors++;
                          }
                          if (typeof data27 == 'number' && isFinite(data27)) {
                            if (data27 > 65535 || isNaN(data27)) {
                              const err64 = {
                                instancePath:
                                  instancePath + '/spec/egress/allow/' + i2 + '/ports/' + i3,
                                schemaPath:
                                  '#/properties/spec/properties/egress/properties/allow/items/properties/ports/items/maximum',
                                keyword: 'maximum',
                                params: { comparison: '<=', limit: 65535 },
                                message: 'must be <= 65535',
                                schema: 65535,
                                parentSchema:
                                  schema31.properties.spec.properties.egress.properties.allow.items
                                    .properties.ports.items,
                                data: data27,
                              };
                              if (vErrors === null) {
                                vErrors = [err64];
                              } else {
                                vErrors.push(err64);
                              }
                              errors++;
                            }
                            if (data27 < 1 || isNaN(data27)) {
                              const err65 = {
                                instancePath:
                                  instancePath + '/spec/egress/allow/' + i2 + '/ports/' + i3,
                                schemaPath:
                                  '#/properties/spec/properties/egress/properties/allow/items/properties/ports/items/minimum',
                                keyword: 'minimum',
                                params: { comparison: '>=', limit: 1 },
                                message: 'must be >= 1',
                                schema: 1,
                                parentSchema:
                                  schema31.properties.spec.properties.egress.properties.allow.items
                                    .properties.ports.items,
                                data: data27,
                              };
                              if (vErrors === null) {
                                vErrors = [err65];
                              } else {
                                vErrors.push(err65);
                              }
                              errors++;
                            }
                          }
                        }
                      } else {
                        const err66 = {
                          instancePath: instancePath + '/spec/egress/allow/' + i2 + '/ports',
                          schemaPath:
                            '#/properties/spec/properties/egress/properties/allow/items/properties/ports/type',
                          keyword: 'type',
                          params: { type: 'array' },
                          message: 'must be array',
                          schema:
                            schema31.properties.spec.properties.egress.properties.allow.items
                              .properties.ports.type,
                          parentSchema:
                            schema31.properties.spec.properties.egress.properties.allow.items
                              .properties.ports,
                          data: data26,
                        };
                        if (vErrors === null) {
                          vErrors = [err66];
                        } else {
                          vErrors.push(err66);
                        }
                        errors++;
                      }
                    }
                    if (data24.protocol !== undefined) {
                      let data28 = data24.protocol;
                      if (!(data28 === 'TCP' || data28 === 'UDP')) {
                        const err67 = {
                          instancePath: instancePath + '/spec/egress/allow/' + i2 + '/protocol',
                          schemaPath:
                            '#/properties/spec/properties/egress/properties/allow/items/properties/protocol/enum',
                          keyword: 'enum',
                          params: {
                            allowedValues:
                              schema31.properties.spec.properties.egress.properties.allow.items
                                .properties.protocol.enum,
                          },
                          message: 'must be equal to one of the allowed values',
                          schema:
                            schema31.properties.spec.properties.egress.properties.allow.items
                              .properties.protocol.enum,
                          parentSchema:
                            schema31.properties.spec.properties.egress.properties.allow.items
                              .properties.protocol,
                          data: data28,
                        };
                        if (vErrors === null) {
                          vErrors = [err67];
                        } else {
                          vErrors.push(err67);
                        }
                        errors++;
                      }
                    }
                    if (data24.allowAllPorts !== undefined) {
                      let data29 = data24.allowAllPorts;
                      if (typeof data29 !== 'boolean') {
                        const err68 = {
                          instancePath:
                            instancePath + '/spec/egress/allow/' + i2 + '/allowAllPorts',
                          schemaPath:
                            '#/properties/spec/properties/egress/properties/allow/items/properties/allowAllPorts/type',
                          keyword: 'type',
                          params: { type: 'boolean' },
                          message: 'must be boolean',
                          schema:
                            schema31.properties.spec.properties.egress.properties.allow.items
                              .properties.allowAllPorts.type,
                          parentSchema:
                            schema31.properties.spec.properties.egress.properties.allow.items
                              .properties.allowAllPorts,
                          data: data29,
                        };
                        if (vErrors === null) {
                          vErrors = [err68];
                        } else {
                          vErrors.push(err68);
                        }
                        errors++;
                      }
                    }
                  } else {
                    const err69 = {
                      instancePath: instancePath + '/spec/egress/allow/' + i2,
                      schemaPath: '#/properties/spec/properties/egress/properties/allow/items/type',
                      keyword: 'type',
                      params: { type: 'object' },
                      message: 'must be object',
                      schema:
                        schema31.properties.spec.properties.egress.properties.allow.items.type,
                      parentSchema:
                        schema31.properties.spec.properties.egress.properties.allow.items,
                      data: data24,
                    };
                    if (vErrors === null) {
                      vErrors = [err69];
                    } else {
                      vErrors.push(err69);
                    }
                    errors++;
                  }
                }
              } else {
                const err70 = {
                  instancePath: instancePath + '/spec/egress/allow',
                  schemaPath: '#/properties/spec/properties/egress/properties/allow/type',
                  keyword: 'type',
                  params: { type: 'array' },
                  message: 'must be array',
                  schema: schema31.properties.spec.properties.egress.properties.allow.type,
                  parentSchema: schema31.properties.spec.properties.egress.properties.allow,
                  data: data23,
                };
                if (vErrors === null) {
                  vErrors = [err70];
                } else {
                  vErrors.push(err70);
                }
                errors++;
              }
            }
            if (data22.domains !== undefined) {
              let data30 = data22.domains;
              if (Array.isArray(data30)) {
                if (data30.length < 1) {
                  const err71 = {
                    instancePath: instancePath + '/spec/egress/domains',
                    schemaPath: '#/properties/spec/properties/egress/properties/domains/minItems',
                    keyword: 'minItems',
                    params: { limit: 1 },
                    message: 'must NOT have fewer than 1 items',
                    schema: 1,
                    parentSchema: schema31.properties.spec.properties.egress.properties.domains,
                    data: data30,
                  };
                  if (vErrors === null) {
                    vErrors = [err71];
                  } else {
                    vErrors.push(err71);
                  }
                  errors++;
                }
                const len4 = data30.length;
                for (let i4 = 0; i4 < len4; i4++) {
                  let data31 = data30[i4];
                  if (typeof data31 === 'string') {
                    if (func1(data31) > 255) {
                      const err72 = {
                        instancePath: instancePath + '/spec/egress/domains/' + i4,
                        schemaPath:
                          '#/properties/spec/properties/egress/properties/domains/items/maxLength',
                        keyword: 'maxLength',
                        params: { limit: 255 },
                        message: 'must NOT have more than 255 characters',
                        schema: 255,
                        parentSchema:
                          schema31.properties.spec.properties.egress.properties.domains.items,
                        data: data31,
                      };
                      if (vErrors === null) {
                        vErrors = [err72];
                      } else {
                        vErrors.push(err72);
                      }
                      errors++;
                    }
                    if (func1(data31) < 1) {
                      const err73 = {
                        instancePath: instancePath + '/spec/egress/domains/' + i4,
                        schemaPath:
                          '#/properties/spec/properties/egress/properties/domains/items/minLength',
                        keyword: 'minLength',
                        params: { limit: 1 },
                        message: 'must NOT have fewer than 1 characters',
                        schema: 1,
                        parentSchema:
                          schema31.properties.spec.properties.egress.properties.domains.items,
                        data: data31,
                      };
                      if (vErrors === null) {
                        vErrors = [err73];
                      } else {
                        vErrors.push(err73);
                      }
                      errors++;
                    }
                  } else {
                    const err74 = {
                      instancePath: instancePath + '/spec/egress/domains/' + i4,
                      schemaPath:
                        '#/properties/spec/properties/egress/properties/domains/items/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema:
                        schema31.properties.spec.properties.egress.properties.domains.items.type,
                      parentSchema:
                        schema31.properties.spec.properties.egress.properties.domains.items,
                      data: data31,
                    };
                    if (vErrors === null) {
                      vErrors = [err74];
                    } else {
                      vErrors.push(err74);
                    }
                    errors++;
                  }
                }
              } else {
                const err75 = {
                  instancePath: instancePath + '/spec/egress/domains',
                  schemaPath: '#/properties/spec/properties/egress/properties/domains/type',
                  keyword: 'type',
                  params: { type: 'array' },
                  message: 'must be array',
                  schema: schema31.properties.spec.properties.egress.properties.domains.type,
                  parentSchema: schema31.properties.spec.properties.egress.properties.domains,
                  data: data30,
                };
                if (vErrors === null) {
                  vErrors = [err75];
                } else {
                  vErrors.push(err75);
                }
                errors++;
              }
            }
            if (data22.domainPorts !== undefined) {
              let data32 = data22.domainPorts;
              if (Array.isArray(data32)) {
                if (data32.length < 1) {
                  const err76 = {
                    instancePath: instancePath + '/spec/egress/domainPorts',
                    schemaPath:
                      '#/properties/spec/properties/egress/properties/domainPorts/minItems',
                    keyword: 'minItems',
                    params: { limit: 1 },
                    message: 'must NOT have fewer than 1 items',
                    schema: 1,
                    parentSchema: schema31.properties.spec.properties.egress.properties.domainPorts,
                    data: data32,
                  };
                  if (vErrors === null) {
                    vErrors = [err76];
                  } else {
                    vErrors.push(err76);
                  }
                  errors++;
                }
                const len5 = data32.length;
                for (let i5 = 0; i5 < len5; i5++) {
                  let data33 = data32[i5];
                  if (!(
                    typeof data33 == 'number' &&
                    !(data33 % 1) &&
                    !isNaN(data33) &&
                    isFinite(data33)
                  )) {
                    const err77 = {
                      instancePath: instancePath + '/spec/egress/domainPorts/' + i5,
                      schemaPath:
                        '#/properties/spec/properties/egress/properties/domainPorts/items/type',
                      keyword: 'type',
                      params: { type: 'integer' },
                      message: 'must be integer',
                      schema:
                        schema31.properties.spec.properties.egress.properties.domainPorts.items
                          .type,
                      parentSchema:
                        schema31.properties.spec.properties.egress.properties.domainPorts.items,
                      data: data33,
                    };
                    if (vErrors === null) {
                      vErrors = [err77];
                    } else {
                      vErrors.push(err77);
                    }
                    errors++;
                  }
                  if (typeof data33 == 'number' && isFinite(data33)) {
                    if (data33 > 65535 || isNaN(data33)) {
                      const err78 = {
                        instancePath: instancePath + '/spec/egress/domainPorts/' + i5,
                        schemaPath:
                          '#/properties/spec/properties/egress/properties/domainPorts/items/maximum',
                        keyword: 'maximum',
                        params: { comparison: '<=', limit: 65535 },
                        message: 'must be <= 65535',
                        schema: 65535,
                        parentSchema:
                          schema31.properties.spec.properties.egress.properties.domainPorts.items,
                        data: data33,
                      };
                      if (vErrors === null) {
                        vErrors = [err78];
                      } else {
                        vErrors.push(err78);
                      }
                      errors++;
                    }
                    if (data33 < 1 || isNaN(data33)) {
                      const err79 = {
                        instancePath: instancePath + '/spec/egress/domainPorts/' + i5,
                        schemaPath:
                          '#/properties/spec/properties/egress/properties/domainPorts/items/minimum',
                        keyword: 'minimum',
                        params: { comparison: '>=', limit: 1 },
                        message: 'must be >= 1',
                        schema: 1,
                        parentSchema:
                          schema31.properties.spec.properties.egress.properties.domainPorts.items,
                        data: data33,
                      };
                      if (vErrors === null) {
                        vErrors = [err79];
                      } else {
                        vErrors.push(err79);
                      }
                      errors++;
                    }
                  }
                }
              } else {
                const err80 = {
                  instancePath: instancePath + '/spec/egress/domainPorts',
                  schemaPath: '#/properties/spec/properties/egress/properties/domainPorts/type',
                  keyword: 'type',
                  params: { type: 'array' },
                  message: 'must be array',
                  schema: schema31.properties.spec.properties.egress.properties.domainPorts.type,
                  parentSchema: schema31.properties.spec.properties.egress.properties.domainPorts,
                  data: data32,
                };
                if (vErrors === null) {
                  vErrors = [err80];
                } else {
                  vErrors.push(err80);
                }
                errors++;
              }
            }
            if (data22.allowClusterDns !== undefined) {
              let data34 = data22.allowClusterDns;
              if (typeof data34 !== 'boolean') {
                const err81 = {
                  instancePath: instancePath + '/spec/egress/allowClusterDns',
                  schemaPath: '#/properties/spec/properties/egress/properties/allowClusterDns/type',
                  keyword: 'type',
                  params: { type: 'boolean' },
                  message: 'must be boolean',
                  schema:
                    schema31.properties.spec.properties.egress.properties.allowClusterDns.type,
                  parentSchema:
                    schema31.properties.spec.properties.egress.properties.allowClusterDns,
                  data: data34,
                };
                if (vErrors === null) {
                  vErrors = [err81];
                } else {
                  vErrors.push(err81);
                }
                errors++;
              }
            }
          } else {
            const err82 = {
              instancePath: instancePath + '/spec/egress',
              schemaPath: '#/properties/spec/properties/egress/type',
              keyword: 'type',
              params: { type: 'object' },
              message: 'must be object',
              schema: schema31.properties.spec.properties.egress.type,
              parentSchema: schema31.properties.spec.properties.egress,
              data: data22,
            };
            if (vErrors === null) {
              vErrors = [err82];
            } else {
              vErrors.push(err82);
            }
            errors++;
          }
        }
      } else {
        const err83 = {
          instancePath: instancePath + '/spec',
          schemaPath: '#/properties/spec/type',
          keyword: 'type',
          params: { type: 'object' },
          message: 'must be object',
          schema: schema31.properties.spec.type,
          parentSchema: schema31.properties.spec,
          data: data6,
        };
        if (vErrors === null) {
          vErrors = [err83];
        } else {
          vErrors.push(err83);
        }
        errors++;
      }
    }
  } else {
    const err84 = {
      instancePath,
      schemaPath: '#/type',
      keyword: 'type',
      params: { type: 'object' },
      message: 'must be object',
      schema: schema31.type,
      parentSchema: schema31,
      data,
    };
    if (vErrors === null) {
      vErrors = [err84];
    } else {
      vErrors.push(err84);
    }
    errors++;
  }
  validate20.errors = vErrors;
  return errors === 0;
}
validate20.evaluated = { props: true, dynamicProps: false, dynamicItems: false };
