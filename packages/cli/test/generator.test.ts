import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const generator = require('../generators/loss-plugin/generator.cjs') as ((tree: unknown, o: Record<string, string>) => Promise<() => void>) & {
  nextSteps(o: { packageName: string; root: string }): string;
  normalize(o: Record<string, string>): { packageName: string; root: string };
};

describe('nx g @dkl/cli:loss-plugin', () => {
  it('scaffolds a plugin package with its module, test, tsconfigs and README', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await generator(tree, { name: 'margin-ce', directory: 'examples' });
    const root = 'examples/dkl-plugin-margin-ce';
    for (const file of ['package.json', 'tsconfig.json', 'tsconfig.lib.json', 'tsconfig.spec.json', 'vitest.config.ts', 'README.md', 'src/index.ts', 'test/margin-ce.test.ts']) {
      expect(tree.exists(`${root}/${file}`), file).toBe(true);
    }
    const pkg = JSON.parse(tree.read(`${root}/package.json`, 'utf-8')!);
    expect(pkg.name).toBe('@dkl-examples/dkl-plugin-margin-ce');
    expect(pkg.dkl).toEqual({ module: 'marginCeModule' });
    const index = tree.read(`${root}/src/index.ts`, 'utf-8')!;
    expect(index).toContain("export const marginCeModule = new ContainerModule");
    expect(index).toContain("name: 'margin-ce'");
    expect(tree.read(`${root}/tsconfig.lib.json`, 'utf-8')).toContain('"../../tsconfig.base.json"');
    await expect(generator(tree, { name: 'margin-ce' })).rejects.toThrow(/already exists/);
    await expect(generator(tree, { name: 'Bad Name' })).rejects.toThrow(/kebab-case/);
  });

  it('adds the package to the root tsconfig references, so `nx sync` has nothing left to do', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('tsconfig.json', JSON.stringify({ files: [], references: [{ path: './packages/core' }] }));
    await generator(tree, { name: 'margin-ce', directory: 'examples' });
    const references = JSON.parse(tree.read('tsconfig.json', 'utf-8')!).references;
    expect(references).toEqual([{ path: './packages/core' }, { path: './examples/dkl-plugin-margin-ce' }]);
  });

  it('prints as next steps exactly the commands the README runs in its check (tools/check-readme.mjs)', () => {
    const steps = generator.nextSteps(generator.normalize({ name: 'margin-ce', directory: 'examples' })).split('\n').slice(1).map((l) => l.trim());
    const readme = readFileSync(resolve(__dirname, '../../../README.md'), 'utf8');
    const block = readme.split('<!-- readme-check: run -->\n```bash\n').map((b) => b.split('\n```')[0]!).find((b) => b.includes('loss-plugin margin-ce'));
    expect(block?.split('\n').slice(1)).toEqual(steps);
    expect(steps).toEqual(['npm install', 'npx nx test @dkl-examples/dkl-plugin-margin-ce']);
  });
});
