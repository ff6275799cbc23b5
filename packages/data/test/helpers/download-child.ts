/** Child-process entry for the concurrent-download test: `node bundle.mjs <spec json> <root> <mirror url>`. */
import { downloadDataset } from '../../src/download/download-dataset.js';

const [specJson, root, url] = process.argv.slice(2);
let waited = false;
const result = await downloadDataset(JSON.parse(specJson!), {
  dir: root!,
  url: url!,
  onWait: () => {
    // Announced once, so the test can let the first process finish only after this one waits.
    if (!waited) process.stderr.write('waiting for the lock\n');
    waited = true;
  },
});
process.stdout.write(`${JSON.stringify({ ...result, waited })}\n`);
