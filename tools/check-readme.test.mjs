// Shows that tools/check-readme.mjs fails when a README command is broken (run: node --test tools/).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { checkReadmes, markedBlocks, shellCommands } from './check-readme.mjs';

const FENCE = '```';
const block = (marker, lang, body) => `${marker}\n${FENCE}${lang}\n${body}\n${FENCE}\n`;
const GOOD_PACKAGE_README = `# foo\n\n${block('<!-- readme-check: run -->', 'js', "console.log('foo works');")}`;

/** A throw-away git repository with these files; returns its path. */
function repository(files) {
  const dir = mkdtempSync(join(tmpdir(), 'readme-fixture-'));
  const all = {
    'package.json': JSON.stringify({
      name: 'fixture',
      private: true,
      scripts: {
        ok: `node -e "console.log('fine')"`,
        args: `node -e "console.log('args', process.argv.slice(1).join(' '))" --`,
        broken: `node -e "process.exit(3)"`,
        noisy: `node -e "console.log('TypeError: boom')"`,
        nan: `node -e "console.log('top-5', NaN)"`,
      },
    }),
    'packages/foo/README.md': GOOD_PACKAGE_README,
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const git = (...args) => assert.equal(spawnSync('git', args, { cwd: dir }).status, 0, `git ${args.join(' ')}`);
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'fixture');
  return dir;
}

function rootReadme(runLines, marker = '<!-- readme-check: run -->') {
  return `# fixture\n\n${block('<!-- readme-check: setup -->', 'bash', 'npm run ok')}\n${block(marker, 'bash', runLines)}`;
}

function check(files) {
  const lines = [];
  const failures = checkReadmes({ repo: repository(files), log: (l) => lines.push(l) });
  return { failures, log: lines.join('\n') };
}

describe('check-readme', () => {
  it('passes when every marked command works', () => {
    const { failures, log } = check({ 'README.md': rootReadme('npm run ok   # says fine') });
    assert.equal(failures, 0, log);
    assert.match(log, /ok .*\$ npm run ok$/m);
    assert.match(log, /ok .*\$ node "\.readme-check-0\.mjs"/);
  });

  it('fails on a command that exits non-zero, naming it and its exit code', () => {
    const { failures, log } = check({ 'README.md': rootReadme('npm run ok\nnpm run broken') });
    assert.equal(failures, 1, log);
    assert.match(log, /FAIL .*\$ npm run broken\n\s+exit code 3/);
  });

  it('fails on a command that exits 0 but prints an error or NaN', () => {
    for (const script of ['noisy', 'nan']) {
      const { failures, log } = check({ 'README.md': rootReadme(`npm run ${script}`) });
      assert.equal(failures, 1, log);
      assert.match(log, /printed an error/);
    }
  });

  it('appends the marker\'s tiny-scale overrides to the commands they name', () => {
    const { failures, log } = check({ 'README.md': rootReadme('npm run args -- --a', '<!-- readme-check: run {"npm run args": "--set x=1"} -->') });
    assert.equal(failures, 0, log);
    assert.match(log, /ok .*\$ npm run args -- --a --set x=1$/m);
  });

  it('writes the marked files before any command runs, even a file shown after the command', () => {
    const readme = `${rootReadme('grep -q "k: 1" cfg.yaml')}\n${block('<!-- readme-check: file cfg.yaml -->', 'yaml', 'k: 1')}`;
    const { failures, log } = check({ 'README.md': readme });
    assert.equal(failures, 0, log);
  });

  it('fails on a package README whose example throws or that has no runnable example', () => {
    const throwing = check({ 'README.md': rootReadme('npm run ok'), 'packages/foo/README.md': `# foo\n\n${block('<!-- readme-check: run -->', 'ts', "const n: number = 1;\nthrow new Error(`broken ${n}`);")}` });
    assert.equal(throwing.failures, 1, throwing.log);
    assert.match(throwing.log, /FAIL .*\.readme-check-0\.mjs/);
    const missing = check({ 'README.md': rootReadme('npm run ok'), 'packages/foo/README.md': '# foo\n\nno example\n' });
    assert.equal(missing.failures, 1, missing.log);
    assert.match(missing.log, /packages\/foo\/README\.md: no runnable example/);
  });

  it('fails on a Markdown link that leaves the repository or points at nothing', () => {
    const { failures, log } = check({ 'README.md': `${rootReadme('npm run ok')}\n[notes](../shared/notes.md) [gone](docs/missing.md) [fine](packages/foo/README.md) and \`../shared/x.md\`\n` });
    assert.equal(failures, 3, log);
    assert.match(log, /README\.md: mentions \.\.\/shared/);
    assert.match(log, /link \.\.\/shared\/notes\.md leaves the repository/);
    assert.match(log, /link docs\/missing\.md points at nothing/);
  });

  it('parses markers, fences and comments as documented', () => {
    const blocks = markedBlocks(`x\n<!-- readme-check: file a/b.yaml -->\n\n${FENCE}yaml\nk: 1\n${FENCE}\n${block('<!-- readme-check: run {"p": "--q"} -->', 'bash', 'p one # c\n# only a comment\np#two')}`);
    assert.deepEqual(blocks.map((b) => [b.kind, b.arg, b.lang, b.body]), [
      ['file', 'a/b.yaml', 'yaml', 'k: 1'],
      ['run', { p: '--q' }, 'bash', 'p one # c\n# only a comment\np#two'],
    ]);
    assert.deepEqual(shellCommands(blocks[1].body, blocks[1].arg), ['p one --q', 'p#two --q']);
    assert.throws(() => markedBlocks('<!-- readme-check: run -->\nno fence'), /must be followed by a fenced block/);
  });
});
