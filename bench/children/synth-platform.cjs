// The whole platform from compiled JavaScript (lib/), in one process: the cdk8s app (platform and
// example charts plus the rendered evaluations, as `npm run synth` writes dist/) and the cdktf app
// (the account stack and the dev environment, with the Terraform rule pack), into <outdir>/dist and
// <outdir>/cdktf.out.
//
//   node bench/children/synth-platform.cjs <outdir> [--barrel]
//
// --barrel first loads the `@cdktf/provider-aws` package barrel, as a stack that imports from it
// (`import { eksCluster } from '@cdktf/provider-aws'`) pays; everything else is the same.
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const [outdir, flag] = process.argv.slice(2);
if (!outdir) throw new Error('usage: synth-platform.cjs <outdir> [--barrel]');
if (flag === '--barrel') require(require.resolve('@cdktf/provider-aws', { paths: [ROOT] }));

const k8s = require(path.join(ROOT, 'lib', 'charts', 'app.js'));
k8s.synthesize(path.join(outdir, 'dist'), k8s.buildApp, path.join(ROOT, 'evaluations'));
const aws = require(path.join(ROOT, 'lib', 'stacks', 'app.js'));
const reports = aws.synthesize(path.join(outdir, 'cdktf.out'));
const errors = reports.reduce((n, r) => n + r.errors.length, 0);
if (errors > 0) throw new Error(`the Terraform rule pack reported ${errors} error(s)`);
