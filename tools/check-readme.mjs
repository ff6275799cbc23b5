#!/usr/bin/env node
// The README as a test. Clones the repository (its committed HEAD) into a temporary directory and
// does what a new user does: runs the README's set-up command, then every command of its marked
// usage blocks, then the runnable example of every package README. Fails if any command exits
// non-zero or prints an error (a stack trace, `npm error`, NaN, tfjs's "install tfjs-node" banner).
// Also fails on any Markdown link that leaves the repository or points at nothing.
//
// Markers (HTML comments, invisible when rendered) say what runs; each applies to the next fenced block:
//   <!-- readme-check: setup -->            run each line once, first (root README only)
//   <!-- readme-check: file PATH -->        write the block to PATH (relative to the repository root)
//                                           before any command runs
//   <!-- readme-check: run {"prefix": "extra args"} -->
//       run each line with bash from the repository root; a line starting with a prefix gets the
//       extra args appended (tiny-scale overrides for commands that train); js/ts blocks run as one
//       ES module from the README's directory (TypeScript is transpiled with the workspace's `typescript`)
//
// Usage: node tools/check-readme.mjs [--repo DIR] [--keep]
//   --repo DIR  the repository to clone (default: the one this script is in)
//   --keep      leave the temporary clone for inspection
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What in a command's output counts as "printed an error". */
export const ERROR_PATTERNS = [
  /^\s*at .+:\d+:\d+\)?$/m, // a stack frame
  /(^|\s)(\w*Error|ERR!|npm error)(:|\s|$)/m,
  /Unhandled|Traceback \(most recent call last\)|Permission denied|command not found/,
  /\bNaN\b/,
  /install our node backend/, // tfjs's banner: every entry point says which backend runs instead
];

const MARKER = /^<!--\s*readme-check:\s*(setup|file|run)\b\s*(.*?)\s*-->\s*$/;

/** The marked fenced blocks of a Markdown file: `{ kind, arg, lang, body, line }`. */
export function markedBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i].trim());
    if (!m) continue;
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === '') j++;
    const fence = /^(\s*)(```+)\s*(\w*)/.exec(lines[j] ?? '');
    if (!fence) throw new Error(`line ${i + 1}: a readme-check marker must be followed by a fenced block`);
    const end = lines.findIndex((l, k) => k > j && l.trim() === fence[2]);
    if (end < 0) throw new Error(`line ${j + 1}: unterminated fenced block`);
    const body = lines.slice(j + 1, end).map((l) => l.slice(fence[1].length)).join('\n');
    let arg = m[2];
    if (m[1] === 'run') arg = arg ? JSON.parse(arg) : {};
    blocks.push({ kind: m[1], arg, lang: fence[3] || 'text', body, line: i + 1 });
    i = end;
  }
  return blocks;
}

/** The commands of a shell block: one per line, comments dropped, overrides appended. */
export function shellCommands(body, overrides = {}) {
  return body
    .split('\n')
    .map((l) => l.replace(/(^|\s)#\s.*$/, '').trim())
    .filter(Boolean)
    .map((line) => {
      const prefix = Object.keys(overrides).find((p) => line.startsWith(p));
      return prefix ? `${line} ${overrides[prefix]}` : line;
    });
}

/** Markdown links (`[text](target)`) whose target leaves the repository or does not exist. */
export function badLinks(root, files) {
  const bad = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    // Named in prose or code (not as a link, which the loop below checks).
    if (text.replace(/\]\([^)]*\)/g, '').includes('../shared')) bad.push(`${file}: mentions ../shared, which is outside the repository`);
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split('#')[0];
      if (!target || /^[a-z]+:/i.test(target)) continue; // anchors, http(s), mailto
      const abs = resolve(root, dirname(file), target);
      if (relative(root, abs).startsWith('..')) bad.push(`${file}: link ${m[1]} leaves the repository`);
      else if (!existsSync(abs)) bad.push(`${file}: link ${m[1]} points at nothing`);
    }
  }
  return bad;
}

function run(command, cwd, log) {
  const t0 = Date.now();
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    env: { ...process.env, FORCE_COLOR: '0', NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const seconds = (Date.now() - t0) / 1000;
  const printed = ERROR_PATTERNS.find((p) => p.test(output));
  const ok = r.status === 0 && !printed;
  log(`${ok ? 'ok  ' : 'FAIL'} ${seconds.toFixed(1).padStart(6)} s  ${relative(process.cwd(), cwd) || '.'}$ ${command}`);
  if (!ok) {
    const why = r.status !== 0 ? `exit code ${r.status ?? r.signal}` : `printed an error (${printed})`;
    log(`     ${why}; last lines of its output:\n${output.trim().split('\n').slice(-25).map((l) => `     | ${l}`).join('\n')}`);
  }
  return ok;
}

/** Runs one ES-module example (a js or ts block) from `dir`. */
function runExample(block, dir, index, log) {
  const file = join(dir, `.readme-check-${index}.mjs`);
  let code = block.body;
  if (block.lang === 'ts' || block.lang === 'typescript') {
    const ts = createRequire(import.meta.url)('typescript'); // the workspace's own compiler
    code = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  }
  writeFileSync(file, code);
  return run(`node ${JSON.stringify(file.slice(dir.length + 1))}`, dir, log);
}

/** Checks the repository at `repo`; returns the number of failures. */
export function checkReadmes({ repo, keep = false, log = (l) => process.stdout.write(`${l}\n`) }) {
  const work = mkdtempSync(join(tmpdir(), 'dkl-readme-'));
  const clone = join(work, 'repo');
  let failures = 0;
  try {
    const cloned = spawnSync('git', ['clone', '-q', repo, clone], { encoding: 'utf8' });
    if (cloned.status !== 0) throw new Error(`git clone ${repo} failed: ${cloned.stderr}`);
    const tracked = spawnSync('git', ['ls-files', '*.md'], { cwd: clone, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const problem of badLinks(clone, tracked)) {
      log(`FAIL link: ${problem}`);
      failures++;
    }
    const readmes = ['README.md', ...tracked.filter((f) => /^(packages|examples)\/[^/]+\/README\.md$/.test(f)).sort()];
    const plan = readmes.map((file) => ({ file, blocks: markedBlocks(readFileSync(join(clone, file), 'utf8')) }));
    const root = plan[0].blocks;
    const setup = root.filter((b) => b.kind === 'setup');
    if (setup.length === 0) throw new Error('README.md has no <!-- readme-check: setup --> block');
    if (!root.some((b) => b.kind === 'run')) throw new Error('README.md has no <!-- readme-check: run --> block');
    log(`[check-readme] clone of ${repo} in ${clone}`);
    for (const b of setup) for (const c of shellCommands(b.body)) if (!run(c, clone, log)) return failures + 1; // nothing else can run
    // Files first: a README may show a config after the commands that use it.
    for (const b of plan.flatMap((p) => p.blocks).filter((b) => b.kind === 'file')) {
      mkdirSync(dirname(join(clone, b.arg)), { recursive: true });
      writeFileSync(join(clone, b.arg), `${b.body}\n`);
    }
    for (const { file, blocks } of plan) {
      const dir = join(clone, dirname(file));
      blocks.forEach((b, index) => {
        if (b.kind === 'run' && ['js', 'javascript', 'ts', 'typescript'].includes(b.lang)) {
          if (!runExample(b, dir, index, log)) failures++;
        } else if (b.kind === 'run') {
          for (const c of shellCommands(b.body, b.arg)) if (!run(c, clone, log)) failures++;
        } else if (b.kind === 'setup' && file !== 'README.md') {
          throw new Error(`${file}:${b.line}: setup blocks belong in the root README`);
        }
      });
      if (file !== 'README.md' && !blocks.some((b) => b.kind === 'run')) {
        log(`FAIL ${file}: no runnable example (mark one with <!-- readme-check: run -->)`);
        failures++;
      }
    }
    log(`[check-readme] ${failures === 0 ? 'all README commands work' : `${failures} failure(s)`}`);
    return failures;
  } finally {
    if (keep) log(`[check-readme] kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const flag = (name) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const repo = resolve(flag('repo') ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const failures = checkReadmes({ repo, keep: process.argv.includes('--keep') });
  process.exitCode = failures === 0 ? 0 : 1;
}
