import * as tf from '@tensorflow/tfjs';
import {
  CheckpointError,
  LoopControl,
  NumericError,
  PluginError,
  runTeardown,
  SeededRng,
  TrainingEventBus,
  type Batch,
  type BatchLoader,
  type BatchOutputs,
  type ClassifierModel,
  type JsonValue,
  type RngState,
  type RunStatus,
  type Teardown,
  type TrainingPlugin,
  type TrainingSnapshot,
} from '@dkl/core';
import type { Optimizer } from '../optim/optimizer.js';
import type { LearningRateSchedule } from '../schedules/schedules.js';
import { evaluateModel, topKCorrect } from './evaluate.js';
import { loadModelStateFromSnapshot, modelStateVariables } from './snapshot-variables.js';
import type { StepContext, TrainStep } from './step.js';

export interface TrainingEngineOptions {
  readonly runId?: string;
  readonly epochs: number;
  readonly seed?: number | string;
  /** The model whose trainable variables are optimised. */
  readonly model: ClassifierModel;
  /** Role of `model` in `control.models` and events (`model`, or `student` in KD). */
  readonly modelRole?: string;
  /** Frozen models by role, e.g. `{ teacher }`: visible to plugins, never updated. */
  readonly frozenModels?: Readonly<Record<string, ClassifierModel>>;
  readonly step: TrainStep;
  readonly optimizer: Optimizer;
  readonly schedule: LearningRateSchedule;
  readonly train: BatchLoader;
  /** Loaders evaluated after every `every`-th epoch (default every epoch), emitted as `eval-end`. */
  readonly evaluation?: { readonly loaders: Readonly<Record<string, BatchLoader>>; readonly every?: number };
  readonly plugins?: readonly TrainingPlugin[];
  /** `fail` (default): a throwing plugin ends the run as failed. `warn`: it is only reported. */
  readonly onPluginError?: 'fail' | 'warn';
  /** Recorded in `run-start` and in snapshots. */
  readonly config?: JsonValue;
  readonly backend?: string;
}

/** One epoch's numbers as the run history keeps them. */
export interface EpochRecord {
  readonly epoch: number;
  readonly learningRate: number;
  readonly train: Record<string, number>;
  readonly eval: Record<string, Record<string, number>>;
  readonly durationMs: number;
}

export interface RunResult {
  readonly status: RunStatus;
  /** Last completed epoch. */
  readonly epoch: number;
  readonly step: number;
  readonly history: readonly EpochRecord[];
  readonly reason?: string;
  readonly error?: Error;
}

/** JSON part of a run snapshot (see `captureSnapshot`). */
export interface RunSnapshotMeta {
  readonly format: 'dkl-run-snapshot';
  readonly version: 1;
  readonly runId: string;
  /** Completed epochs; a resumed run starts at epoch + 1. */
  readonly epoch: number;
  readonly step: number;
  readonly epochs: number;
  readonly rng: RngState;
  readonly loader: JsonValue;
  readonly optimizer: JsonValue;
  readonly plugins: Record<string, JsonValue>;
  readonly variables: string[];
  readonly history: EpochRecord[];
  readonly config: JsonValue;
}

function keepAll<T extends Record<string, tf.Tensor | undefined>>(record: T): T {
  for (const t of Object.values(record)) if (t) tf.keep(t);
  return record;
}

/**
 * The training loop every trainer shares. It owns the event stream, plugin lifecycle, optimizer
 * updates, evaluation and snapshots; trainers differ only in their {@link TrainStep}.
 *
 * Event order per run: run-start, then per epoch: epoch-start, (batch-start, batch-end)*,
 * epoch-end, (eval-start, eval-end)* — plugins may write checkpoints on epoch-end/eval-end — and
 * finally run-end with status completed, stopped or failed.
 */
export class TrainingEngine {
  readonly runId: string;
  readonly rng: SeededRng;
  private readonly control: LoopControl;
  private readonly modelRole: string;
  private completedEpoch = 0;
  private step = 0;
  private history: EpochRecord[] = [];
  private failure: Error | undefined;

  constructor(private readonly options: TrainingEngineOptions) {
    if (!Number.isInteger(options.epochs) || options.epochs < 1) {
      throw new NumericError('epochs', `must be a positive integer, got ${options.epochs}`);
    }
    this.runId = options.runId ?? `run-${Date.now().toString(36)}`;
    this.rng = new SeededRng(options.seed ?? 0).fork('engine');
    this.modelRole = options.modelRole ?? 'model';
    this.control = new LoopControl({ ...options.frozenModels, [this.modelRole]: options.model }, () => this.captureSnapshot());
  }

  /** Trains from the start, or from `resumeFrom` (a snapshot taken by `captureSnapshot`). */
  async run(options: { resumeFrom?: TrainingSnapshot } = {}): Promise<RunResult> {
    const { epochs, plugins = [], train } = this.options;
    const bus = new TrainingEventBus({
      onSubscriberError: (plugin, error) => {
        if (this.options.onPluginError === 'warn') return;
        this.failure ??= new PluginError(plugin, error.message, { cause: error });
        this.control.requestStop(`plugin '${plugin}' failed`);
      },
    });
    const teardowns: Teardown[] = [];
    let status: RunStatus = 'completed';
    try {
      for (const plugin of plugins) teardowns.push(plugin.attach(bus.channel(plugin.name), this.control));
      if (options.resumeFrom) await this.restoreSnapshot(options.resumeFrom);
      bus.emit({
        type: 'run-start',
        runId: this.runId,
        epochs,
        startEpoch: this.completedEpoch + 1,
        stepsPerEpoch: train.batchesPerEpoch,
        backend: this.options.backend ?? tf.getBackend(),
        config: this.options.config,
      });
      for (let epoch = this.completedEpoch + 1; epoch <= epochs && !this.shouldStop(); epoch++) {
        await this.runEpoch(bus, epoch);
      }
    } catch (error) {
      this.failure ??= error instanceof Error ? error : new Error(String(error));
    }
    if (this.failure) status = 'failed';
    else if (this.control.stopRequested) status = 'stopped';
    try {
      bus.emit({ type: 'run-end', status, epoch: this.completedEpoch, step: this.step, reason: this.control.stopReason, error: this.failure });
      for (const [owner, error] of await this.control.settle()) {
        if (this.options.onPluginError === 'warn') continue;
        status = 'failed';
        this.failure ??= new PluginError(owner, error.message, { cause: error });
      }
    } finally {
      bus.close();
      for (const teardown of teardowns) runTeardown(teardown);
    }
    return { status, epoch: this.completedEpoch, step: this.step, history: this.history, reason: this.control.stopReason, error: this.failure };
  }

  private shouldStop(): boolean {
    return this.failure !== undefined || this.control.stopRequested;
  }

  private async runEpoch(bus: TrainingEventBus, epoch: number): Promise<void> {
    const { train, schedule, evaluation } = this.options;
    const learningRate = schedule(epoch);
    const started = performance.now();
    this.control.epoch = epoch;
    bus.emit({ type: 'epoch-start', epoch, step: this.step, learningRate });
    const sums: Record<string, number> = {};
    let examples = 0;
    let batchIndex = 0;
    for await (const batch of train.batches(epoch)) {
      const size = batch.y.shape[0]!;
      bus.emit({ type: 'batch-start', epoch, step: this.step, batchIndex, batchSize: size });
      const context: StepContext = { epoch, epochs: this.options.epochs, step: this.step, batchIndex, rng: this.rng };
      const { losses, outputs, correct, prepared } = this.trainStep(batch, context, learningRate);
      this.step++;
      this.control.step = this.step;
      for (const [name, value] of Object.entries(losses)) sums[name] = (sums[name] ?? 0) + value * size;
      sums['top1'] = (sums['top1'] ?? 0) + correct;
      examples += size;
      bus.emit({ type: 'batch-end', epoch, step: this.step, batchIndex, batchSize: size, losses, outputs });
      tf.dispose([batch.x, batch.y, ...Object.values(prepared)]);
      batchIndex++;
      if (this.shouldStop()) break;
    }
    if (this.failure) return;
    const durationMs = performance.now() - started;
    const metrics: Record<string, number> = {};
    for (const [name, sum] of Object.entries(sums)) metrics[name] = sum / Math.max(examples, 1);
    metrics['imagesPerSecond'] = examples / (durationMs / 1000);
    metrics['learningRate'] = learningRate;
    if (this.control.stopRequested && batchIndex < train.batchesPerEpoch) return; // partial epoch: not completed
    this.completedEpoch = epoch;
    const record: EpochRecord = { epoch, learningRate, train: metrics, eval: {}, durationMs };
    this.history.push(record);
    bus.emit({ type: 'epoch-end', epoch, step: this.step, metrics, durationMs });
    await this.settle(bus);
    const every = evaluation?.every ?? 1;
    if (evaluation && !this.failure && (epoch % every === 0 || epoch === this.options.epochs)) {
      for (const [split, loader] of Object.entries(evaluation.loaders)) {
        bus.emit({ type: 'eval-start', epoch, step: this.step, split });
        const result = await evaluateModel(this.options.model, loader, epoch);
        const evalMetrics = { loss: result.loss, top1: result.top1, top5: result.top5 };
        record.eval[split] = evalMetrics;
        bus.emit({ type: 'eval-end', epoch, step: this.step, split, metrics: evalMetrics });
      }
      await this.settle(bus);
    }
  }

  /** Awaits plugins' pending work, then emits `checkpoint-saved` and plugin-reported `eval-end` events. */
  private async settle(bus: TrainingEventBus): Promise<void> {
    const failures = await this.control.settle();
    for (const [owner, error] of failures) {
      if (this.options.onPluginError === 'warn') continue;
      this.failure ??= new PluginError(owner, error.message, { cause: error });
    }
    for (const { path, reason } of this.control.takeAnnouncedCheckpoints()) {
      if (failures.length === 0) bus.emit({ type: 'checkpoint-saved', epoch: this.completedEpoch, step: this.step, path, reason });
    }
    for (const { split, metrics } of this.control.takeReportedEvaluations()) {
      const record = this.history.at(-1);
      if (record) record.eval[split] = { ...metrics };
      bus.emit({ type: 'eval-end', epoch: this.completedEpoch, step: this.step, split, metrics });
    }
  }

  private trainStep(
    batch: Batch,
    context: StepContext,
    learningRate: number,
  ): { losses: Record<string, number>; outputs: BatchOutputs; correct: number; prepared: Record<string, tf.Tensor> } {
    const { step, optimizer, model } = this.options;
    const prepared = step.prepare?.(batch, context) ?? {};
    const variables = model.trainableVariables as tf.Variable[];
    let terms: Record<string, tf.Scalar> = {};
    let outputs: BatchOutputs = {};
    const { value, grads } = tf.variableGrads(() => {
      const result = step.compute(batch, prepared, context);
      terms = keepAll({ ...result.terms });
      outputs = keepAll({ ...result.outputs });
      return result.loss;
    }, variables);
    try {
      const total = value.dataSync()[0]!;
      if (!Number.isFinite(total)) {
        tf.dispose(Object.values(outputs));
        throw new NumericError('loss', `is ${total} at epoch ${context.epoch}, step ${context.step}; terms: ${JSON.stringify(Object.fromEntries(Object.entries(terms).map(([k, t]) => [k, t.dataSync()[0]])))}`);
      }
      optimizer.apply(variables, variables.map((v) => grads[v.name]!), learningRate);
      step.afterUpdate?.(context);
      const losses: Record<string, number> = { total };
      for (const [name, t] of Object.entries(terms)) losses[name] = t.dataSync()[0]!;
      let correct = 0;
      if (outputs.logits && outputs.labels) {
        const c = topKCorrect(outputs.logits, outputs.labels, 1);
        correct = c.dataSync()[0]!;
        c.dispose();
      }
      return { losses, outputs, correct, prepared };
    } finally {
      tf.dispose([value, ...Object.values(grads), ...Object.values(terms)]);
    }
  }

  /**
   * Everything needed to resume: trained-model variables (incl. BatchNorm statistics), optimizer
   * slots, the engine RNG, the train loader's position, history and every plugin's state. The
   * caller owns the returned tensors.
   */
  async captureSnapshot(): Promise<TrainingSnapshot> {
    const tensors: Record<string, tf.Tensor> = {};
    const variables = modelStateVariables(this.options.model);
    variables.forEach((v, i) => (tensors[`model/${i}`] = v.clone()));
    const optimizerState = this.options.optimizer.getState();
    for (const [key, t] of Object.entries(optimizerState.tensors)) tensors[`optimizer/${key}`] = t;
    const plugins: Record<string, JsonValue> = {};
    for (const plugin of this.options.plugins ?? []) {
      if (!plugin.stateKey || !plugin.saveState) continue;
      const state = await plugin.saveState();
      plugins[plugin.stateKey] = state.json;
      for (const [name, t] of Object.entries(state.tensors ?? {})) tensors[`plugin/${plugin.stateKey}/${name}`] = t.clone();
    }
    const meta: RunSnapshotMeta = {
      format: 'dkl-run-snapshot',
      version: 1,
      runId: this.runId,
      epoch: this.completedEpoch,
      step: this.step,
      epochs: this.options.epochs,
      rng: this.rng.getState(),
      loader: this.options.train.getPosition() as JsonValue,
      optimizer: optimizerState.json,
      plugins,
      variables: variables.map((v) => `${v.name} [${v.shape.join(',')}]`),
      history: this.history,
      config: this.options.config ?? null,
    };
    return { meta: meta as unknown as JsonValue, tensors };
  }

  private async restoreSnapshot(snapshot: TrainingSnapshot): Promise<void> {
    const meta = snapshot.meta as unknown as RunSnapshotMeta;
    const where = `(snapshot of run ${meta?.runId ?? '?'})`;
    if (meta?.format !== 'dkl-run-snapshot') throw new CheckpointError(where, 'is not a dkl run snapshot');
    loadModelStateFromSnapshot(this.options.model, snapshot.tensors, where, meta.variables);
    const optimizerTensors: Record<string, tf.Tensor> = {};
    for (const [key, t] of Object.entries(snapshot.tensors)) if (key.startsWith('optimizer/')) optimizerTensors[key.slice('optimizer/'.length)] = t;
    this.options.optimizer.setState(this.options.model.trainableVariables as tf.Variable[], { json: meta.optimizer, tensors: optimizerTensors });
    for (const plugin of this.options.plugins ?? []) {
      if (!plugin.stateKey || !plugin.loadState) continue;
      if (!(plugin.stateKey in meta.plugins)) throw new CheckpointError(where, `has no state for plugin '${plugin.name}' (stateKey '${plugin.stateKey}')`);
      const prefix = `plugin/${plugin.stateKey}/`;
      const tensors: Record<string, tf.Tensor> = {};
      for (const [key, t] of Object.entries(snapshot.tensors)) if (key.startsWith(prefix)) tensors[key.slice(prefix.length)] = t;
      await plugin.loadState({ json: meta.plugins[plugin.stateKey]!, tensors });
    }
    this.rng.setState(meta.rng);
    this.options.train.setPosition(meta.loader);
    this.completedEpoch = meta.epoch;
    this.step = meta.step;
    this.control.epoch = meta.epoch;
    this.control.step = meta.step;
    this.history = [...meta.history];
  }
}
