import type { z } from 'zod';
import type { ClassifierModel, ModelDefinition } from './model.js';

/** Which part a model plays in a run: the trained student, or the frozen teacher. */
export type ModelRole = 'student' | 'teacher';

/** What a model source gets besides its own options when a run builds a model. */
export interface ModelSourceContext {
  readonly role: ModelRole;
  /** Classes of the run's data: the model must output this many logits. */
  readonly numClasses: number;
  /** NHWC shape of one input example, as the run's loader produces it. */
  readonly inputShape: readonly [number, number, number];
  /** Seed of a freshly initialised model (sources that load weights ignore it). */
  readonly seed: string;
  /** Config key of the model (`models.student`), for error messages. */
  readonly keyPath: string;
  /** The registered architectures (what `zoo` builds by name). */
  readonly definitions: readonly ModelDefinition[];
}

/**
 * Multi-binding token: where a model comes from (`models.<role>.source`): `zoo` (a registered
 * architecture by name), `tfjs` (a model.json), `onnx` (an ONNX file run by onnxruntime)...
 * Config without `source` means `zoo`.
 */
export const ModelSource = Symbol('ModelSource');

export interface ModelSource<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  /**
   * Options of `models.<role>` besides `source` and `cache` (the run's keys), a strict object;
   * `--dry-run` and `dkl schema` use it.
   */
  readonly schema: S;
  /** Roles this source can fill (a frozen ONNX graph cannot be trained: `['teacher']`). */
  readonly roles: readonly ModelRole[];
  /**
   * Checks that need more than the schema but no data or files (a zoo name against the registered
   * architectures); run by `--dry-run` and before a run is assembled.
   */
  check?(options: z.output<S>, context: Pick<ModelSourceContext, 'role' | 'keyPath' | 'definitions'>): void;
  /** Builds the model (a teacher in inference mode, frozen). Errors name `context.keyPath`. */
  create(options: z.output<S>, context: ModelSourceContext): Promise<ClassifierModel>;
  /**
   * Writes a model this source created, trained weights included, in the source's own format
   * (`format`, e.g. `tfjs-layers`) to directory `dir`; returns the files written. Sources whose
   * models the zoo exporter handles omit it.
   */
  readonly saveFormats?: readonly string[];
  save?(model: ClassifierModel, format: string, dir: string): Promise<readonly string[]>;
}
