// @ts-check
// Every test run gets a temporary folder of its own as TMPDIR (jest starts its workers after this,
// so they inherit it), removed by global-teardown.js: cdk8s's Testing.app() and cdktf's synth leave
// a folder in the temporary directory on every call, thousands per run.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function globalSetup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-sandbox-test-'));
  process.env.EVAL_SANDBOX_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
};
