/**
 * The architecture table: every name `createModel` accepts, with its builder, default input
 * shape and description. WideResNets also accept any `wrn_<depth>_<width>` name, and the DeepMind
 * layout any `wrn_<depth>_<width>_swish` (Swish) or `wrn_<depth>_<width>_dm` (ReLU) name.
 */
import { z } from 'zod';
import type { NetworkBuilder } from '../architectures/network.js';
import { buildCifarResNet } from '../architectures/resnet-cifar.js';
import { buildWideResNet, wrnDepthError } from '../architectures/wide-resnet.js';
import { buildDmWideResNet, DM_NORMALIZATIONS, type DmActivation, type DmNormalization } from '../architectures/wide-resnet-dm.js';
import { buildVgg } from '../architectures/vgg.js';
import { buildMobileNetV2 } from '../architectures/mobilenet-v2.js';
import { buildShuffleV1, buildShuffleV2 } from '../architectures/shufflenet.js';
import { buildFourStageResNet } from '../architectures/resnet-v2.js';
import { buildMobileNetV1 } from '../architectures/mobilenet-v1.js';
import { buildTinyCnn } from '../architectures/tiny-cnn.js';

export interface ArchitectureEntry {
  readonly name: string;
  readonly description: string;
  readonly defaultInputShape: readonly [number, number, number];
  /** Smallest spatial input size the architecture accepts. */
  readonly minInputSize: number;
  readonly build: (extra: Readonly<Record<string, unknown>> | undefined) => NetworkBuilder;
  readonly extraSchema?: z.ZodType;
  readonly ignoredCheckpointPrefixes?: (extra: Readonly<Record<string, unknown>> | undefined) => readonly string[];
}

const CIFAR: readonly [number, number, number] = [32, 32, 3];
const IMAGENET: readonly [number, number, number] = [224, 224, 3];

/** Options of the general `wrn` architecture. */
export const wrnExtraSchema = z
  .object({
    depth: z.number().int().refine((d) => wrnDepthError(d) === null, { message: 'depth must be 6n+4 (10, 16, 22, 28, 34, 40, ...)' }),
    widenFactor: z.number().int().positive(),
    subBlock1: z.boolean().optional(),
  })
  .strict();

export type WrnExtra = z.output<typeof wrnExtraSchema>;

const wrnIgnored = (extra: Readonly<Record<string, unknown>> | undefined) => (extra?.['subBlock1'] === true ? [] : ['sub_block1.']);

function wrnEntry(name: string, depth: number, widenFactor: number, description: string): ArchitectureEntry {
  return {
    name,
    description,
    defaultInputShape: CIFAR,
    minInputSize: 1,
    build: (extra) => buildWideResNet({ depth, widenFactor, subBlock1: extra?.['subBlock1'] === true }),
    extraSchema: z.object({ subBlock1: z.boolean().optional() }).strict(),
    ignoredCheckpointPrefixes: wrnIgnored,
  };
}

const dmExtraSchema = z
  .object({ normalization: z.enum(Object.keys(DM_NORMALIZATIONS) as [DmNormalization, ...DmNormalization[]]).optional() })
  .strict();

function dmWrnEntry(name: string, depth: number, width: number, activation: DmActivation, description: string): ArchitectureEntry {
  return {
    name,
    description,
    defaultInputShape: CIFAR,
    minInputSize: 2,
    extraSchema: dmExtraSchema,
    build: (extra) => buildDmWideResNet({ depth, width, activation, ...dmExtraSchema.parse(extra ?? {}) }),
  };
}

const DM_SUFFIX: Readonly<Record<string, DmActivation>> = { swish: 'swish', dm: 'relu' };

function fixed(name: string, description: string, builder: NetworkBuilder, defaultInputShape = CIFAR, minInputSize = 1): ArchitectureEntry {
  return { name, description, defaultInputShape, minInputSize, build: () => builder };
}

const entries: ArchitectureEntry[] = [
  ...([8, 14, 20, 32, 44, 56, 110] as const).map((d) =>
    fixed(`resnet${d}`, `CIFAR ResNet-${d} (mdistiller), widths 16/16/32/64`, buildCifarResNet(d, [16, 16, 32, 64])),
  ),
  fixed('resnet8x4', 'CIFAR ResNet-8x4 (mdistiller), widths 32/64/128/256', buildCifarResNet(8, [32, 64, 128, 256])),
  fixed('resnet32x4', 'CIFAR ResNet-32x4 (mdistiller), widths 32/64/128/256', buildCifarResNet(32, [32, 64, 128, 256])),
  wrnEntry('wrn_16_1', 16, 1, 'WideResNet-16-1 (mdistiller)'),
  wrnEntry('wrn_16_2', 16, 2, 'WideResNet-16-2 (mdistiller)'),
  wrnEntry('wrn_40_1', 40, 1, 'WideResNet-40-1 (mdistiller)'),
  wrnEntry('wrn_40_2', 40, 2, 'WideResNet-40-2 (mdistiller)'),
  wrnEntry('wrn_28_10', 28, 10, 'WideResNet-28-10 (TRADES layout, ReLU), for adversarial training'),
  wrnEntry('wrn_34_10', 34, 10, 'WideResNet-34-10 (TRADES layout, ReLU), for adversarial training'),
  {
    name: 'wrn',
    description: 'General WideResNet: extra { depth (6n+4), widenFactor, subBlock1? }',
    defaultInputShape: CIFAR,
    minInputSize: 1,
    extraSchema: wrnExtraSchema,
    build: (extra) => buildWideResNet(wrnExtraSchema.parse(extra ?? {})),
    ignoredCheckpointPrefixes: wrnIgnored,
  },
  dmWrnEntry('wrn_28_10_swish', 28, 10, 'swish', 'WideResNet-28-10 with Swish (DeepMind / generated-data AT layout, in-model normalisation); extra { normalization? }'),
  dmWrnEntry('wrn_70_16_swish', 70, 16, 'swish', 'WideResNet-70-16 with Swish (DeepMind / generated-data AT layout, in-model normalisation); extra { normalization? }'),
  ...([8, 11, 13, 16, 19] as const).map((d) =>
    fixed(`vgg${d}_bn`, `CIFAR VGG-${d} with BatchNorm (mdistiller)`, buildVgg(d), CIFAR, 8),
  ),
  fixed('mobile_half', 'CIFAR MobileNetV2, expansion 6, width 0.5 (mdistiller)', buildMobileNetV2(6, 0.5)),
  fixed('ShuffleV1', 'CIFAR ShuffleNetV1, groups 3 (mdistiller)', buildShuffleV1()),
  fixed('ShuffleV2', 'CIFAR ShuffleNetV2, net size 1 (mdistiller)', buildShuffleV2()),
  fixed('ResNet18', 'CIFAR ResNet-18, basic blocks [2,2,2,2] (mdistiller resnetv2)', buildFourStageResNet('basic', [2, 2, 2, 2], 'cifar')),
  fixed('ResNet50', 'CIFAR ResNet-50, bottlenecks [3,4,6,3] (mdistiller resnetv2)', buildFourStageResNet('bottleneck', [3, 4, 6, 3], 'cifar')),
  fixed('imagenet_resnet18', 'torchvision ResNet-18 (224x224)', buildFourStageResNet('basic', [2, 2, 2, 2], 'imagenet'), IMAGENET),
  fixed('imagenet_resnet34', 'torchvision ResNet-34 (224x224)', buildFourStageResNet('basic', [3, 4, 6, 3], 'imagenet'), IMAGENET),
  fixed('imagenet_resnet50', 'torchvision ResNet-50 (224x224)', buildFourStageResNet('bottleneck', [3, 4, 6, 3], 'imagenet'), IMAGENET),
  fixed('MobileNetV1', 'MobileNetV1 (mdistiller ImageNet student, 224x224)', buildMobileNetV1(), IMAGENET),
  fixed('tiny_cnn', 'Small fast 3-layer CNN for tests and demos', buildTinyCnn()),
];

const table = new Map(entries.map((e) => [e.name, e]));

/** All registered architecture names (the general `wrn` included; `wrn_<d>_<k>` names also resolve). */
export const ARCHITECTURE_NAMES: readonly string[] = entries.map((e) => e.name);

/** Looks up an architecture, resolving `wrn_<depth>_<width>` names not in the table. */
export function findArchitecture(name: string): ArchitectureEntry | undefined {
  const known = table.get(name);
  if (known) return known;
  const m = /^wrn_(\d+)_(\d+)$/.exec(name);
  if (m && wrnDepthError(Number(m[1])) === null && Number(m[2]) > 0) {
    return wrnEntry(name, Number(m[1]), Number(m[2]), `WideResNet-${m[1]}-${m[2]}`);
  }
  const dm = /^wrn_(\d+)_(\d+)_(swish|dm)$/.exec(name);
  if (dm && wrnDepthError(Number(dm[1])) === null && Number(dm[2]) > 0) {
    const activation = DM_SUFFIX[dm[3]!]!;
    return dmWrnEntry(name, Number(dm[1]), Number(dm[2]), activation, `WideResNet-${dm[1]}-${dm[2]} (DeepMind layout, ${activation})`);
  }
  return undefined;
}
