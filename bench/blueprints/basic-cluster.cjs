// EKS Blueprints' basic cluster, the peer the whole-platform synth is compared with: the library's
// documented minimal blueprint (an account, a region, the Kubernetes version; no add-ons, no
// teams), synthesized by `app.synth()` into <outdir>, as `cdk synth` runs an app. Its packages
// come from bench/blueprints/node_modules (this folder's package.json), never from the project's.
//
//   node bench/blueprints/basic-cluster.cjs <outdir>
const cdk = require('aws-cdk-lib');
const blueprints = require('@aws-quickstart/eks-blueprints');

const outdir = process.argv[2];
if (!outdir) throw new Error('usage: basic-cluster.cjs <outdir>');

const app = new cdk.App({ outdir });
blueprints.EksBlueprint.builder()
  .account('123456789012')
  .region('eu-west-1')
  .version('auto')
  .build(app, 'basic');
const assembly = app.synth();
if (assembly.stacks.length !== 1)
  throw new Error(`expected one stack, got ${assembly.stacks.length}`);
