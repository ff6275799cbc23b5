import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { ClassPriorStore, LossContext, LossDefinition } from '@dkl/core';
import { classPriorWeights } from '../functions/class-prior-weights.js';
import { decoupledKL, type DecoupledKLOptions, type ResolvedDecoupledKLOptions } from '../functions/decoupled-kl.js';
import { dklOptions, gklKdOptions, iklAtOptions, iklKdOptions } from '../functions/presets.js';
import { distillationTerm, requireReference, type CeTarget, type DecomposableLossTerm } from './loss-parts.js';
import { fields, strictOptions } from './schema-fields.js';

const schema = strictOptions(
  {
    /** Which published setting supplies the defaults: knowledge distillation or adversarial training. */
    preset: z.enum(['kd', 'at']).default('kd'),
    temperature: fields.temperature.optional(),
    softLabelWeight: fields.nonNegative.optional(),
    wmseWeight: fields.nonNegative.optional(),
    weightTemperature: fields.temperature.optional(),
    gamma: fields.nonNegative.optional(),
    normalization: z.enum(['batch', 'weights']).optional(),
    symmetric: z.boolean().optional(),
    referenceGradient: z.boolean().optional(),
    /** Use the shared class prior (IKL's "GI") as the wMSE weights. */
    classPrior: z.boolean().optional(),
    ceWeight: fields.ceWeight.optional(),
    ceTarget: fields.ceTarget.optional(),
    warmup: fields.warmup.optional(),
    validate: fields.validate.default(true),
  },
  "the authors' ALPHA (soft-label CE weight) is 'softLabelWeight' and BETA (wMSE weight) is 'wmseWeight'",
);

/** Options of the `dkl`, `ikl` and `gkl` loss plugins (after zod parsing). */
export type DecoupledKLPluginOptions = z.output<typeof schema>;

/** Plugin-level settings that sit around `decoupledKL`. */
interface Wiring {
  readonly ceWeight: number;
  readonly ceTarget: CeTarget;
  readonly warmup: number;
  readonly classPrior: boolean;
}

type Preset = { readonly options: (o?: DecoupledKLOptions) => ResolvedDecoupledKLOptions; readonly wiring: Wiring };

const KD: Omit<Wiring, 'classPrior'> = { ceWeight: 1, ceTarget: 'logits', warmup: 20 };
const AT: Omit<Wiring, 'classPrior'> = { ceWeight: 1, ceTarget: 'reference', warmup: 1 };

/** The defaults of each family member, per preset. */
const FAMILY: Record<'dkl' | 'ikl' | 'gkl', Record<'kd' | 'at', Preset>> = {
  dkl: {
    kd: { options: dklOptions, wiring: { ...KD, warmup: 1, classPrior: false } },
    at: { options: (o) => dklOptions({ referenceGradient: true, ...o }), wiring: { ...AT, classPrior: false } },
  },
  ikl: {
    kd: { options: iklKdOptions, wiring: { ...KD, classPrior: false } },
    at: { options: iklAtOptions, wiring: { ...AT, classPrior: true } },
  },
  gkl: {
    kd: { options: gklKdOptions, wiring: { ...KD, classPrior: true } },
    at: { options: (o) => iklAtOptions({ normalization: 'weights', ...o }), wiring: { ...AT, classPrior: true } },
  },
};

const DESCRIPTIONS = {
  dkl: 'decoupled KL (wMSE + soft-label CE; gradients equal KL) plus hard-label CE',
  ikl: 'improved KL: DKL with break-asymmetry and optional class-wise prior weights (GI) plus hard-label CE',
  gkl: 'generalised KL: IKL with powered weights w^gamma and pair-weight normalisation plus hard-label CE',
} as const;

/**
 * Builds the `dkl`, `ikl` or `gkl` LossDefinition. `store` supplies the class prior when the
 * `classPrior` option (default on for IKL-AT and GKL) is set; before the first prior is published
 * the store's uniform `1/C` rows are used, as the authors' trainers do in epoch 1. Such a loss
 * declares the requirement (`requirements`), so a run without a class-prior writer is refused when
 * it is assembled, and the store refuses to serve a prior that nobody writes.
 */
export function decoupledKLLossDefinition(name: 'dkl' | 'ikl' | 'gkl', store: ClassPriorStore): LossDefinition<typeof schema> {
  return {
    name,
    description: DESCRIPTIONS[name],
    schema,
    needsReference: true,
    requirements: (parsed) => {
      const classPrior = parsed.classPrior ?? FAMILY[name][parsed.preset].wiring.classPrior;
      // The class-wise weights are looked up by each example's one true class.
      return { reference: true, classPrior, hardLabels: classPrior };
    },
    create(parsed): DecomposableLossTerm {
      const { preset, classPrior, ceWeight, ceTarget, warmup, ...overrides } = parsed;
      const chosen = FAMILY[name][preset];
      const lossOptions = chosen.options(overrides);
      const wiring: Wiring = {
        ceWeight: ceWeight ?? chosen.wiring.ceWeight,
        ceTarget: ceTarget ?? chosen.wiring.ceTarget,
        warmup: warmup ?? chosen.wiring.warmup,
        classPrior: classPrior ?? chosen.wiring.classPrior,
      };
      let checkedPrior: tf.Tensor | undefined; // the store hands out the same tensor until a new prior is set
      const distill = (context: LossContext): tf.Scalar => {
        const reference = requireReference(context, name);
        let classWeights: tf.Tensor | undefined;
        if (wiring.classPrior) {
          const numClasses = context.logits.shape[1] ?? 0;
          const prior = store.getOrUniform(numClasses);
          classWeights = classPriorWeights(prior, context.labels, { validate: parsed.validate, validatePrior: prior !== checkedPrior });
          checkedPrior = prior;
        }
        return decoupledKL(reference, context.logits, { ...lossOptions, classWeights });
      };
      return distillationTerm({ name, ...wiring, needsReference: true, validate: parsed.validate, distill });
    },
  };
}
