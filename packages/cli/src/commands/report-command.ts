import * as path from 'node:path';
import { writeComparisonReport, writeRunReport } from '../run/write-report.js';

/** `dkl report <run-dir...>`: rewrites each run's report.html; with several runs also a comparison. */
export async function reportCommand(runDirs: readonly string[], options: { out?: string; print?: (t: string) => void }): Promise<string[]> {
  const print = options.print ?? ((t: string) => process.stdout.write(`${t}\n`));
  const written: string[] = [];
  for (const dir of runDirs) written.push(await writeRunReport(dir));
  if (runDirs.length > 1) written.push(await writeComparisonReport(runDirs, options.out ?? path.join(path.dirname(runDirs[0]!), 'comparison.html')));
  for (const file of written) print(file);
  return written;
}
