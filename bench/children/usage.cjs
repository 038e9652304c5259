// Preloaded into every process the bench times (`node --require bench/children/usage.cjs …`): at
// exit it writes the process's own peak resident set size (getrusage ru_maxrss, in KiB) to the file
// named by BENCH_USAGE_FILE. Measured from inside, so the bench needs no GNU time.
const fs = require('node:fs');

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    fs.writeFileSync(
      file,
      JSON.stringify({
        maxRssKiB: usage.maxRSS,
        userUs: usage.userCPUTime,
        systemUs: usage.systemCPUTime,
      }),
    );
  });
}
