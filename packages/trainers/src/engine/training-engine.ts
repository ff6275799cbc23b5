import * as tf from '@tensorflow/tfjs';
import {
  CheckpointError,
  faultPoint,
  loadPluginStates,
  LoopControl,
  NumericError,
  PluginError,
  pluginsByStateKey,
  runTeardown,
  savePluginStates,
  SeededRng,
  TrainingEventBus,
  type Batch,
  type BatchLoader,
  type BatchOutputs,
  type ClassifierModel,
  type JsonValue,
  type RunStatus,
  type Teardown,
  type TrainingPlugin,
  type TrainingSnapshot,
} from '@dkl/core';
import type { Optimizer } from '../optim/optimizer.js';
import type { LearningRateSchedule } from '../schedules/schedules.js';
import { evaluateModel, topKCorrect } from './evaluate.js';
import { positionOf, type EpochProgress, type EpochRecord, type RunSnapshotMeta, type SnapshotPosition } from './run-snapshot.js';
import { loadModelStateFromSnapshot, modelStateVariables } from './snapshot-variables.js';
import type { StepContext, TrainStep } from './step.js';
import { BatchStream, type BatchStreamPosition } from './batch-stream.js';

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
  /**
   * Extra batch sources by name (e.g. `unlabelled/weak`), each an endless stream that yields one
   * batch per step into `StepContext.streams` (see {@link BatchStream}); `train` alone decides
   * what an epoch is. Their positions are part of snapshots.
   */
  readonly streams?: Readonly<Record<string, BatchLoader>>;
  /** Loaders evaluated after every `every`-th epoch (default every epoch), emitted as `eval-end`. */
  readonly evaluation?: { readonly loaders: Readonly<Record<string, BatchLoader>>; readonly every?: number };
  readonly plugins?: readonly TrainingPlugin[];
  /** `fail` (default): a throwing plugin ends the run as failed. `warn`: it is only reported. */
  readonly onPluginError?: 'fail' | 'warn';
  /** Recorded in `run-start` and in snapshots. */
  readonly config?: JsonValue;
  readonly backend?: string;
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

/** Every tensor of a batch (mixed batches carry soft targets too). */
function batchTensors(batch: Batch): tf.Tensor[] {
  return batch.targets ? [batch.x, batch.y, batch.targets] : [batch.x, batch.y];
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
  /** Where the loop is, for snapshots (see SnapshotPosition). */
  private phase: SnapshotPosition['phase'] = 'epoch-boundary';
  /** Accumulators of the epoch being trained, and when its current segment started. */
  private progress: { state: EpochProgress; segmentStart: number } | undefined;
  private readonly streams: BatchStream[];

  constructor(private readonly options: TrainingEngineOptions) {
    if (!Number.isInteger(options.epochs) || options.epochs < 1) {
      throw new NumericError('epochs', `must be a positive integer, got ${options.epochs}`);
    }
    pluginsByStateKey(options.plugins ?? []); // two plugins with one state key fail here, not at the first snapshot
    this.runId = options.runId ?? `run-${Date.now().toString(36)}`;
    this.rng = new SeededRng(options.seed ?? 0).fork('engine');
    this.modelRole = options.modelRole ?? 'model';
    this.control = new LoopControl({ ...options.frozenModels, [this.modelRole]: options.model }, () => this.captureSnapshot());
    this.streams = Object.entries(options.streams ?? {}).map(([name, loader]) => new BatchStream(name, loader));
  }

  /** One batch of every extra stream for the next step (the caller disposes them). */
  private async drawStreams(): Promise<Record<string, Batch>> {
    const drawn: Record<string, Batch> = {};
    try {
      for (const stream of this.streams) drawn[stream.name] = await stream.next();
    } catch (error) {
      tf.dispose(Object.values(drawn).flatMap(batchTensors));
      throw error;
    }
    return drawn;
  }

  /**
   * Trains from the start, or from `resumeFrom` (a snapshot taken by `captureSnapshot`) exactly
   * where it was taken: mid-epoch with the epoch's accumulators, or after an epoch whose
   * evaluation is then redone, so history and logs equal an uninterrupted run's.
   */
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
    let resumed: RunSnapshotMeta | undefined;
    try {
      for (const plugin of plugins) teardowns.push(plugin.attach(bus.channel(plugin.name), this.control));
      if (options.resumeFrom) resumed = await this.restoreSnapshot(options.resumeFrom);
      if (this.phase === 'ended') {
        // The snapshot was taken at run end: nothing is left to train, evaluate or log.
        bus.close();
        for (const teardown of teardowns) runTeardown(teardown);
        return { status, epoch: this.completedEpoch, step: this.step, history: this.history };
      }
      const inEpoch = this.progress?.state;
      bus.emit({
        type: 'run-start',
        runId: this.runId,
        epochs,
        startEpoch: inEpoch ? inEpoch.epoch : this.completedEpoch + 1,
        ...(resumed ? { resumed: { epoch: this.completedEpoch, step: this.step, phase: this.phase as 'epoch-boundary' | 'in-epoch' | 'evaluating' } } : {}),
        stepsPerEpoch: train.batchesPerEpoch,
        backend: this.options.backend ?? tf.getBackend(),
        config: this.options.config,
      });
      if (resumed) {
        // The uninterrupted run emitted `checkpoint-saved` for these once written; so does this one.
        for (const { path, reason } of resumed.checkpoints ?? []) this.control.announceCheckpoint(path, reason);
        await this.settle(bus);
        if (this.phase === 'evaluating' && !this.shouldStop()) await this.evaluateEpoch(bus, this.history.at(-1)!);
      }
      if (inEpoch && !this.shouldStop()) await this.runEpoch(bus, inEpoch.epoch, inEpoch);
      for (let epoch = this.completedEpoch + 1; epoch <= epochs && !this.shouldStop(); epoch++) {
        await this.runEpoch(bus, epoch);
      }
    } catch (error) {
      this.failure ??= error instanceof Error ? error : new Error(String(error));
    }
    if (this.failure) status = 'failed';
    else if (this.control.stopRequested) status = 'stopped';
    try {
      if (status === 'completed') this.phase = 'ended'; // a stopped or failed run resumes where it was
      bus.emit({ type: 'run-end', status, epoch: this.completedEpoch, step: this.step, reason: this.control.stopReason, error: this.failure });
      for (const [owner, error] of await this.control.settle()) {
        if (this.options.onPluginError === 'warn') continue;
        status = 'failed';
        this.failure ??= new PluginError(owner, error.message, { cause: error });
      }
    } finally {
      bus.close();
      for (const teardown of teardowns) runTeardown(teardown);
      this.options.step.dispose?.();
      await Promise.all(this.streams.map((s) => s.close()));
    }
    return { status, epoch: this.completedEpoch, step: this.step, history: this.history, reason: this.control.stopReason, error: this.failure };
  }

  private shouldStop(): boolean {
    return this.failure !== undefined || this.control.stopRequested;
  }

  /** Trains epoch `epoch` from its start, or from `resume` (the accumulators of a snapshot taken inside it). */
  private async runEpoch(bus: TrainingEventBus, epoch: number, resume?: EpochProgress): Promise<void> {
    const { train } = this.options;
    const progress: EpochProgress = resume ?? { epoch, learningRate: this.options.schedule(epoch), batches: 0, examples: 0, sums: {}, elapsedMs: 0 };
    const { learningRate, sums } = progress;
    this.progress = { state: progress, segmentStart: performance.now() };
    this.phase = 'in-epoch';
    this.control.epoch = epoch;
    if (!resume) bus.emit({ type: 'epoch-start', epoch, step: this.step, learningRate });
    // A snapshot taken after an epoch's last step resumes straight into its end.
    const iterate = progress.batches < train.batchesPerEpoch;
    for await (const batch of iterate ? train.batches(epoch) : []) {
      const size = batch.y.shape[0]!;
      const batchIndex = progress.batches;
      bus.emit({ type: 'batch-start', epoch, step: this.step, batchIndex, batchSize: size });
      let streams: Record<string, Batch> = {};
      let done: Awaited<ReturnType<TrainingEngine['trainStep']>>;
      try {
        streams = await this.drawStreams();
        const context: StepContext = { epoch, epochs: this.options.epochs, step: this.step, batchIndex, batchesPerEpoch: train.batchesPerEpoch, rng: this.rng, streams };
        done = await this.trainStep(batch, context, learningRate);
      } catch (error) {
        // the engine owns the batch (see below) and the stream batches, also when the step fails
        tf.dispose([...batchTensors(batch), ...Object.values(streams).flatMap(batchTensors)]);
        throw error;
      }
      const { losses, outputs, correct, prepared } = done;
      this.step++;
      this.control.step = this.step;
      for (const [name, value] of Object.entries(losses)) sums[name] = (sums[name] ?? 0) + value * size;
      sums['top1'] = (sums['top1'] ?? 0) + correct;
      progress.examples += size;
      progress.batches++;
      bus.emit({ type: 'batch-end', epoch, step: this.step, batchIndex, batchSize: size, losses, outputs });
      tf.dispose([...batchTensors(batch), ...Object.values(streams).flatMap(batchTensors), ...Object.values(prepared)]);
      // A mid-epoch snapshot (or any plugin write) finishes before the next step changes the weights.
      if (this.control.hasPendingWork) await this.settle(bus);
      faultPoint('step', String(this.step));
      if (this.shouldStop()) break;
    }
    if (this.failure) return;
    const durationMs = this.elapsedInEpoch();
    const metrics: Record<string, number> = {};
    for (const [name, sum] of Object.entries(sums)) metrics[name] = sum / Math.max(progress.examples, 1);
    metrics['imagesPerSecond'] = progress.examples / (durationMs / 1000);
    metrics['learningRate'] = learningRate;
    if (this.control.stopRequested && progress.batches < train.batchesPerEpoch) return; // partial epoch: not completed
    this.completedEpoch = epoch;
    this.progress = undefined;
    this.phase = 'evaluating';
    const record: EpochRecord = { epoch, learningRate, train: metrics, eval: {}, durationMs };
    this.history.push(record);
    bus.emit({ type: 'epoch-end', epoch, step: this.step, metrics, durationMs });
    await this.settle(bus);
    faultPoint('epoch-end', String(epoch));
    await this.evaluateEpoch(bus, record);
  }

  private elapsedInEpoch(): number {
    return this.progress ? this.progress.state.elapsedMs + (performance.now() - this.progress.segmentStart) : 0;
  }

  /** The evaluation round after epoch `record.epoch` (when due); then the epoch is behind us. */
  private async evaluateEpoch(bus: TrainingEventBus, record: EpochRecord): Promise<void> {
    const { evaluation } = this.options;
    const epoch = record.epoch;
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
    if (!this.failure) this.phase = 'epoch-boundary';
  }

  /** Awaits plugins' pending work, then emits `checkpoint-saved` and plugin-reported `eval-end` events. */
  private async settle(bus: TrainingEventBus): Promise<void> {
    const failures = await this.control.settle();
    for (const [owner, error] of failures) {
      if (this.options.onPluginError === 'warn') continue;
      this.failure ??= new PluginError(owner, error.message, { cause: error });
    }
    const epoch = this.progress?.state.epoch ?? this.completedEpoch;
    for (const { path, reason } of this.control.takeAnnouncedCheckpoints()) {
      if (failures.length === 0) bus.emit({ type: 'checkpoint-saved', epoch, step: this.step, path, reason });
    }
    for (const { split, metrics } of this.control.takeReportedEvaluations()) {
      const record = this.history.at(-1);
      if (record) record.eval[split] = { ...metrics };
      // Paired like the engine's own evaluations: the event grammar has no eval-end without its eval-start.
      bus.emit({ type: 'eval-start', epoch: this.completedEpoch, step: this.step, split });
      bus.emit({ type: 'eval-end', epoch: this.completedEpoch, step: this.step, split, metrics });
    }
  }

  private async trainStep(
    batch: Batch,
    context: StepContext,
    learningRate: number,
  ): Promise<{ losses: Record<string, number>; outputs: BatchOutputs; correct: number; prepared: Record<string, tf.Tensor> }> {
    const { step, optimizer } = this.options;
    let prepared: Record<string, tf.Tensor> = {};
    let handedOver = false;
    try {
      prepared = (await step.prepare?.(batch, context)) ?? {};
      const variables = this.trainedVariables();
      let terms: Record<string, tf.Scalar> = {};
      let outputs: BatchOutputs = {};
      const { value, grads } = tf.variableGrads(() => {
        const result = step.compute(batch, prepared, context);
        terms = keepAll({ ...result.terms });
        outputs = keepAll({ ...result.outputs });
        return result.loss;
      }, variables);
      try {
        // One asynchronous read per step for every number the step reports (total, terms, top-1
        // count): GPU backends (webgpu) have no synchronous readback, and one read is one sync.
        const names = Object.keys(terms);
        const hasCorrect = !!(outputs.logits && outputs.labels);
        const packed = tf.tidy(() =>
          tf.stack([value, ...names.map((n) => terms[n]!), ...(hasCorrect ? [topKCorrect(outputs.logits!, outputs.labels!, 1).cast('float32')] : [])].map((t) => t.reshape([]))),
        );
        const numbers = await packed.data();
        packed.dispose();
        const total = numbers[0]!;
        const losses: Record<string, number> = { total };
        names.forEach((name, i) => (losses[name] = numbers[1 + i]!));
        if (!Number.isFinite(total)) {
          tf.dispose(Object.values(outputs));
          throw new NumericError('loss', `is ${total} at epoch ${context.epoch}, step ${context.step}; terms: ${JSON.stringify(Object.fromEntries(names.map((k) => [k, losses[k]])))}`);
        }
        optimizer.apply(variables, variables.map((v) => grads[v.name]!), learningRate);
        const correct = hasCorrect ? numbers[1 + names.length]! : 0;
        handedOver = true;
        return { losses, outputs, correct, prepared };
      } finally {
        tf.dispose([value, ...Object.values(grads), ...Object.values(terms)]);
      }
    } finally {
      // Always, also when the step failed: AWP takes its perturbation back out of the weights, and
      // the prepared tensors of a failed step are freed here (a successful step hands them over).
      step.afterUpdate?.(context);
      if (!handedOver) tf.dispose(Object.values(prepared));
    }
  }

  /** What the optimizer updates: the model's trainable variables, then the step's (loss-term modules). */
  private trainedVariables(): tf.Variable[] {
    return [...(this.options.model.trainableVariables as tf.Variable[]), ...(this.options.step.trainableVariables ?? [])];
  }

  /**
   * Everything needed to resume: trained-model variables (incl. BatchNorm statistics), optimizer
   * slots, the engine RNG, the train loader's position, history, where in the run this is (with
   * the accumulators of an epoch in progress) and every plugin's state. Plugin states are read
   * after the current event has reached every subscriber. The caller owns the returned tensors.
   */
  async captureSnapshot(): Promise<TrainingSnapshot> {
    // Dispatch is synchronous: one microtask later every plugin has handled the current event.
    await null;
    const checkpoints = [...this.control.pendingCheckpoints];
    const position: SnapshotPosition =
      this.phase === 'in-epoch' ? { phase: 'in-epoch', progress: { ...structuredClone(this.progress!.state), elapsedMs: this.elapsedInEpoch() } } : { phase: this.phase };
    const engineState = { epoch: this.completedEpoch, step: this.step, rng: this.rng.getState(), loader: this.options.train.getPosition() as JsonValue, history: structuredClone(this.history) };
    const streams = this.streams.length ? { streams: Object.fromEntries(this.streams.map((s) => [s.name, s.position()])) } : {};
    const tensors: Record<string, tf.Tensor> = {};
    const variables = modelStateVariables(this.options.model);
    variables.forEach((v, i) => (tensors[`model/${i}`] = v.clone()));
    const stepState = this.options.step.saveState?.();
    for (const [name, t] of Object.entries(stepState?.tensors ?? {})) tensors[`step/${name}`] = t.clone();
    const optimizerState = this.options.optimizer.getState();
    for (const [key, t] of Object.entries(optimizerState.tensors)) tensors[`optimizer/${key}`] = t;
    let plugins: Record<string, JsonValue>;
    try {
      const saved = await savePluginStates(this.options.plugins ?? []);
      plugins = saved.json;
      Object.assign(tensors, saved.tensors);
    } catch (error) {
      tf.dispose(Object.values(tensors));
      throw error;
    }
    const meta: RunSnapshotMeta = {
      format: 'dkl-run-snapshot',
      version: 2,
      runId: this.runId,
      epochs: this.options.epochs,
      ...engineState,
      ...streams,
      ...(stepState ? { stepState: stepState.json } : {}),
      optimizer: optimizerState.json,
      plugins,
      variables: variables.map((v) => `${v.name} [${v.shape.join(',')}]`),
      config: this.options.config ?? null,
      position,
      checkpoints,
    };
    return { meta: meta as unknown as JsonValue, tensors };
  }

  private async restoreSnapshot(snapshot: TrainingSnapshot): Promise<RunSnapshotMeta> {
    const meta = snapshot.meta as unknown as RunSnapshotMeta;
    const where = `(snapshot of run ${meta?.runId ?? '?'})`;
    if (meta?.format !== 'dkl-run-snapshot') throw new CheckpointError(where, 'is not a dkl run snapshot');
    loadModelStateFromSnapshot(this.options.model, snapshot.tensors, where, meta.variables);
    // Before the optimizer: a step's variables (a distiller's connector) that do not fit are named as such.
    this.restoreStepState(snapshot, meta, where);
    const optimizerTensors: Record<string, tf.Tensor> = {};
    for (const [key, t] of Object.entries(snapshot.tensors)) if (key.startsWith('optimizer/')) optimizerTensors[key.slice('optimizer/'.length)] = t;
    this.options.optimizer.setState(this.trainedVariables(), { json: meta.optimizer, tensors: optimizerTensors });
    await loadPluginStates(this.options.plugins ?? [], { json: meta.plugins, tensors: snapshot.tensors }, { file: where });
    this.rng.setState(meta.rng);
    this.options.train.setPosition(meta.loader);
    for (const stream of this.streams) {
      const position = meta.streams?.[stream.name];
      if (!position) throw new CheckpointError(where, `has no position for stream '${stream.name}' (snapshot streams: ${Object.keys(meta.streams ?? {}).join(', ') || 'none'})`);
      stream.restore(position);
    }
    this.completedEpoch = meta.epoch;
    this.step = meta.step;
    this.control.epoch = meta.epoch;
    this.control.step = meta.step;
    this.history = structuredClone(meta.history);
    const position = positionOf(meta);
    this.phase = position.phase;
    if (position.phase === 'in-epoch') {
      this.progress = { state: structuredClone(position.progress), segmentStart: performance.now() };
      this.control.epoch = position.progress.epoch;
    }
    return meta;
  }

  /** Gives the step its saved state; a stateful step and a snapshot without state (or the reverse) do not match. */
  private restoreStepState(snapshot: TrainingSnapshot, meta: RunSnapshotMeta, where: string): void {
    const { step } = this.options;
    if (!step.loadState) {
      if (meta.stepState !== undefined) throw new CheckpointError(where, 'holds trainer-step state (e.g. an EMA teacher), but this run\'s step keeps none: a different trainer.type?');
      return;
    }
    if (meta.stepState === undefined) throw new CheckpointError(where, 'has no trainer-step state, which this run\'s step keeps (e.g. an EMA teacher): a different trainer.type?');
    const tensors: Record<string, tf.Tensor> = {};
    for (const [key, t] of Object.entries(snapshot.tensors)) if (key.startsWith('step/')) tensors[key.slice('step/'.length)] = t;
    step.loadState({ json: meta.stepState, tensors });
  }
}
