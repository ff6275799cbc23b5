import { describe, expect, it } from 'vitest';
import { ARCHITECTURE_NAMES, countModelParams, createModel } from '../src/index.js';

/**
 * Reference counts measured in PyTorch 1.13 / torchvision 0.14 by
 * tools/fixtures-models/count_params.py over the upstream architectures (mdistiller CIFAR and
 * ImageNet models, TRADES WideResNet, torchvision ResNets): [name, classes, parameters(),
 * buffer elements without num_batches_tracked, extra options].
 */
const REFERENCE: readonly (readonly [string, number, number, number, Record<string, unknown>?])[] = [
  ['resnet8', 100, 83892, 672],
  ['resnet14', 100, 181108, 1120],
  ['resnet20', 100, 278324, 1568],
  ['resnet32', 100, 472756, 2464],
  ['resnet44', 100, 667188, 3360],
  ['resnet56', 100, 861620, 4256],
  ['resnet110', 100, 1736564, 8288],
  ['resnet8x4', 100, 1233540, 2752],
  ['resnet32x4', 100, 7433860, 9920],
  ['wrn_16_1', 100, 180916, 928],
  ['wrn_16_2', 100, 703284, 1824],
  ['wrn_40_1', 100, 569780, 2720],
  ['wrn_40_2', 100, 2255156, 5408],
  ['wrn_28_10', 100, 36536884, 17952],
  ['wrn_34_10', 100, 46218164, 22432],
  ['vgg8_bn', 100, 3965028, 2944],
  ['vgg11_bn', 100, 9277284, 5504],
  ['vgg13_bn', 100, 9462180, 5888],
  ['vgg16_bn', 100, 14774436, 8448],
  ['vgg19_bn', 100, 20086692, 11008],
  ['mobile_half', 100, 812836, 18368],
  ['ShuffleV1', 100, 949258, 23736],
  ['ShuffleV2', 100, 1355528, 16180],
  ['ResNet18', 100, 11220132, 9600],
  ['ResNet50', 100, 23705252, 53120],
  ['MobileNetV1', 100, 3309476, 21888],
  ['tiny_cnn', 100, 30196, 224],
  ['imagenet_resnet18', 100, 11227812, 9600],
  ['imagenet_resnet34', 100, 21335972, 17024],
  ['imagenet_resnet50', 100, 23712932, 53120],
  ['wrn_28_10_swish', 100, 36536884, 17952],
  ['wrn_70_16_swish', 100, 266888756, 78880],
  ['wrn_34_10', 100, 48320276, 25344, { subBlock1: true }],
  ['resnet8', 1000, 142392, 672],
  ['resnet14', 1000, 239608, 1120],
  ['resnet20', 1000, 336824, 1568],
  ['resnet32', 1000, 531256, 2464],
  ['resnet44', 1000, 725688, 3360],
  ['resnet56', 1000, 920120, 4256],
  ['resnet110', 1000, 1795064, 8288],
  ['resnet8x4', 1000, 1464840, 2752],
  ['resnet32x4', 1000, 7665160, 9920],
  ['wrn_16_1', 1000, 239416, 928],
  ['wrn_16_2', 1000, 819384, 1824],
  ['wrn_40_1', 1000, 628280, 2720],
  ['wrn_40_2', 1000, 2371256, 5408],
  ['wrn_28_10', 1000, 37113784, 17952],
  ['wrn_34_10', 1000, 46795064, 22432],
  ['vgg8_bn', 1000, 4426728, 2944],
  ['vgg11_bn', 1000, 9738984, 5504],
  ['vgg13_bn', 1000, 9923880, 5888],
  ['vgg16_bn', 1000, 15236136, 8448],
  ['vgg19_bn', 1000, 20548392, 11008],
  ['mobile_half', 1000, 1965736, 18368],
  ['ShuffleV1', 1000, 1814158, 23736],
  ['ShuffleV2', 1000, 2278028, 16180],
  ['ResNet18', 1000, 11681832, 9600],
  ['ResNet50', 1000, 25549352, 53120],
  ['MobileNetV1', 1000, 4231976, 21888],
  ['tiny_cnn', 1000, 88696, 224],
  ['imagenet_resnet18', 1000, 11689512, 9600],
  ['imagenet_resnet34', 1000, 21797672, 17024],
  ['imagenet_resnet50', 1000, 25557032, 53120],
  ['wrn_28_10_swish', 1000, 37113784, 17952],
  ['wrn_70_16_swish', 1000, 267811256, 78880],
  ['wrn_34_10', 1000, 48897176, 25344, { subBlock1: true }],
];

describe('parameter counts match the PyTorch reference', () => {
  it.each(REFERENCE.map((r) => [`${r[0]}${r[4] ? '+' + Object.keys(r[4]).join('+') : ''}@${r[1]}`, ...r] as const))(
    '%s',
    (_label, name, numClasses, trainable, buffers, extra) => {
      const options = { numClasses, ...(extra ? { extra } : {}) };
      expect(countModelParams(name, options)).toBe(trainable);
      expect(countModelParams(name, { ...options, trainableOnly: false })).toBe(trainable + buffers);
    },
  );

  it('the issue\'s headline numbers', () => {
    expect(countModelParams('resnet8x4', { numClasses: 100 })).toBe(1_233_540);
    expect(countModelParams('resnet32x4', { numClasses: 100 })).toBe(7_433_860);
    expect(countModelParams('wrn_16_2', { numClasses: 100 })).toBe(703_284);
  });

  it('every registered architecture is in the table (the general wrn via its named instances)', () => {
    const covered = new Set(REFERENCE.map((r) => r[0]));
    expect(ARCHITECTURE_NAMES.filter((n) => n !== 'wrn' && !covered.has(n))).toEqual([]);
    expect(countModelParams('wrn', { numClasses: 100, extra: { depth: 40, widenFactor: 2 } })).toBe(2255156);
  });

  it('allocated models report the same counts as the shape-only path', () => {
    for (const name of ['resnet8', 'wrn_16_1', 'mobile_half', 'ShuffleV2', 'tiny_cnn']) {
      const model = createModel(name, { numClasses: 100 });
      expect(model.countParams()).toBe(countModelParams(name, { numClasses: 100 }));
      expect(model.countParams({ trainableOnly: false })).toBe(countModelParams(name, { numClasses: 100, trainableOnly: false }));
      const sum = (vs: readonly { size: number }[]) => vs.reduce((a, v) => a + v.size, 0);
      expect(sum(model.trainableVariables)).toBe(model.countParams());
      expect(sum(model.trainableVariables) + sum(model.nonTrainableVariables)).toBe(model.countParams({ trainableOnly: false }));
      model.dispose();
    }
  });
});
