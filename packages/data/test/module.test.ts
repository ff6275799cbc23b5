import { describe, expect, it } from 'vitest';
import { ConfigError, coreModule, createContainer, DatasetDefinition, parseConfig } from '@dkl/core';
import { Container } from 'inversify';
import { dataModule } from '../src/index.js';

describe('dataModule', () => {
  it('contributes the eight dataset sources as DatasetDefinition multi-bindings', async () => {
    const container = new Container();
    await container.load(dataModule);
    const defs = container.getAll<DatasetDefinition>(DatasetDefinition);
    expect(defs.map((d) => d.name).sort()).toEqual(['cifar10', 'cifar100', 'fashion-mnist', 'image-folder', 'image-list', 'mnist', 'mnist-idx', 'synthetic']);
    for (const d of defs) expect(d.description.length).toBeGreaterThan(10);
  });

  it('config can name and load a source; bad options name the key', async () => {
    const container = new Container();
    await container.load(dataModule);
    const synthetic = container.getAll<DatasetDefinition>(DatasetDefinition).find((d) => d.name === 'synthetic')!;
    const options = parseConfig(synthetic.schema, { shape: [6, 6, 1], numClasses: 3, trainSize: 12, testSize: 6, seed: 4 });
    const train = await synthetic.load(options, 'train');
    const test = await synthetic.load(options, 'test');
    expect([train.length, test.length, train.numClasses]).toEqual([12, 6, 3]);
    expect(train.shape).toEqual([6, 6, 1]);
    await expect(synthetic.load(options, 'val')).rejects.toThrow(/split/);
    expect(() => parseConfig(synthetic.schema, { numClasses: 0 }, 'data.options')).toThrow(ConfigError);
    expect(() => parseConfig(synthetic.schema, { numClasses: 0 }, 'data.options')).toThrow(/data\.options\.numClasses/);
    const cifar = container.getAll<DatasetDefinition>(DatasetDefinition).find((d) => d.name === 'cifar100')!;
    expect(() => parseConfig(cifar.schema, { dir: 'x', labelKind: 'super' }, 'data.options')).toThrow(/data\.options\.labelKind/);
    await expect(cifar.load(parseConfig(cifar.schema, { dir: '/nonexistent-dkl' }), 'train')).rejects.toThrow(/train\.bin.*cifar\.html/);
  });

  it('loads next to coreModule in createContainer', () => {
    const container = createContainer([coreModule, dataModule]);
    expect(container.getAll<DatasetDefinition>(DatasetDefinition)).toHaveLength(8);
  });
});
