/**
 * @dkl/callbacks: training plugins that subscribe to the event stream: IKL's class-prior updater,
 * checkpoints, early stopping, metrics (JSON Lines, CSV, TensorBoard), progress, weight averaging,
 * timing and learning-rate monitoring.
 * @packageDocumentation
 */
export * from './class-prior-updater.js';
export * from './checkpoint.js';
export * from './early-stopping.js';
export * from './metrics-log.js';
export * from './progress.js';
export * from './weight-averaging.js';
export * from './timer.js';
export * from './tensorboard/tfrecord.js';
export * from './tensorboard/event-proto.js';
export * from './tensorboard/tensorboard-logger.js';
export * from './callbacks-module.js';
