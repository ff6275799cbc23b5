/**
 * Fault injection for crash tests (SQLite-style: kill the process at every write point and check
 * what survives). Production code calls `faultPoint(name, detail)` at named points; it does
 * nothing unless the `DKL_FAULTS` environment variable names that point:
 *
 *   DKL_FAULTS="<point>[/<detail substring>]:<action>[@<n>],..."
 *
 * - `point`: `step` (after a training step and its plugins' work), `epoch-end` (after an epoch's
 *   plugins settled, before its evaluation), `eval-batch` (inside an evaluation, after a batch),
 *   `write` (before a file is written), `rename` (an atomic write's temp file is written and
 *   fsynced, not yet renamed).
 * - `detail`: only hits whose detail (file path, ...) contains this substring count.
 * - `action`: `kill` (SIGKILL this process), `pause` (block this process for a minute: a run
 *   that is "still running" for lock tests), or an errno code (`ENOSPC`, `EACCES`, `EIO`...)
 *   thrown as a Node system error naming the detail.
 * - `n`: act at the n-th counted hit (default 1). Hits are counted per process.
 */
import { ArgumentError } from '../errors.js';

interface FaultRule {
  readonly point: string;
  readonly detail: string | undefined;
  readonly action: string;
  readonly at: number;
  hits: number;
}

let parsedFrom: string | undefined;
let rules: FaultRule[] = [];

function parseRules(spec: string): FaultRule[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const match = /^([a-z-]+)(?:\/([^:@]+))?:([A-Za-z]+)(?:@(\d+))?$/.exec(item);
      if (!match) throw new ArgumentError('DKL_FAULTS', `entry '${item}' is not <point>[/<detail>]:<action>[@<n>]`);
      return { point: match[1]!, detail: match[2], action: match[3]!, at: match[4] ? Number(match[4]) : 1, hits: 0 };
    });
}

function activeRules(): FaultRule[] {
  // No `process` in a browser: no fault injection there.
  const spec = typeof process === 'undefined' ? '' : (process.env?.['DKL_FAULTS'] ?? '');
  if (spec !== parsedFrom) {
    parsedFrom = spec;
    rules = spec ? parseRules(spec) : [];
  }
  return rules;
}

/** Marks a named point where a crash test may kill the process or fail an operation (see module docs). */
export function faultPoint(point: string, detail = ''): void {
  for (const rule of activeRules()) {
    if (rule.point !== point || (rule.detail !== undefined && !detail.includes(rule.detail))) continue;
    rule.hits++;
    if (rule.hits !== rule.at) continue;
    if (rule.action === 'kill') process.kill(process.pid, 'SIGKILL');
    if (rule.action === 'pause') {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
      continue;
    }
    const code = rule.action.toUpperCase();
    throw Object.assign(new Error(`${code}: injected fault at ${point} '${detail}'`), { code, syscall: point, path: detail });
  }
}
