import { createRequire } from 'node:module';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const generator = require('../generators/loss-plugin/generator.cjs') as (tree: unknown, o: Record<string, string>) => Promise<() => void>;

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
});
