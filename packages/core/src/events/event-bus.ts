import { dispose, type Tensor } from '@tensorflow/tfjs';
import { config as rxjsConfig, Subject, type Observable } from 'rxjs';
import type { PluginErrorEvent, TrainingEvent } from './training-events.js';

/** Called once per subscriber failure, after the failing dispatch finished. */
export type SubscriberErrorHandler = (plugin: string, error: Error, during?: TrainingEvent['type']) => void;

export interface TrainingEventBusOptions {
  /** Told about every subscriber failure; trainers use it to end the run as failed. */
  readonly onSubscriberError?: SubscriberErrorHandler;
}

const ASYNC_SUBSCRIBER = '(asynchronous subscriber)';

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function tensorsOf(event: TrainingEvent): Tensor[] {
  return event.type === 'batch-end' ? Object.values(event.outputs).filter((t): t is Tensor => t !== undefined) : [];
}

/**
 * Dispatches training events to named channels, one per plugin, synchronously.
 *
 * - A subscriber that throws does not crash the process and does not vanish silently: its error
 *   is caught during dispatch, attributed to the channel's name, emitted as a `plugin-error`
 *   event and handed to `onSubscriberError` (the trainer's policy: end the run as failed).
 * - Ownership: after a `batch-end` is dispatched, the bus disposes the tensors in its `outputs`.
 *   Subscribers that need them later copy them during dispatch.
 * - Errors thrown later by asynchronous rxjs operators (delay, throttle) inside a subscriber are
 *   reported through rxjs' `onUnhandledError`, which the bus routes to itself while it is open.
 */
export class TrainingEventBus {
  private readonly channels = new Map<string, Subject<TrainingEvent>>();
  private readonly reportedErrors: PluginErrorEvent[] = [];
  private readonly previousUnhandled = rxjsConfig.onUnhandledError;
  private readonly unhandledHook = (err: unknown): void => {
    if (this.closed) (this.previousUnhandled ?? rethrow)(err);
    else this.report(ASYNC_SUBSCRIBER, toError(err), undefined);
  };
  private closed = false;

  constructor(private readonly options: TrainingEventBusOptions = {}) {
    rxjsConfig.onUnhandledError = this.unhandledHook;
  }

  /** The event stream as seen by `name`; errors in its subscribers are attributed to `name`. */
  channel(name: string): Observable<TrainingEvent> {
    let subject = this.channels.get(name);
    if (!subject) {
      subject = new Subject<TrainingEvent>();
      this.channels.set(name, subject);
    }
    return subject.asObservable();
  }

  /** Every subscriber failure reported so far. */
  get errors(): readonly PluginErrorEvent[] {
    return this.reportedErrors;
  }

  /**
   * Dispatches `event` to every channel, then disposes the tensors it carries. Returns the
   * subscriber failures this dispatch produced (also reported as `plugin-error` events).
   */
  emit(event: TrainingEvent): PluginErrorEvent[] {
    if (this.closed) {
      dispose(tensorsOf(event));
      throw new Error(`TrainingEventBus: emit('${event.type}') after close()`);
    }
    const failures: Array<[string, Error]> = [];
    try {
      for (const [name, subject] of this.channels) {
        const error = dispatchGuarded(subject, event);
        if (error) failures.push([name, error]);
      }
    } finally {
      dispose(tensorsOf(event));
    }
    return failures.map(([name, error]) => this.report(name, error, event.type));
  }

  /** Completes every channel and restores rxjs' unhandled-error hook. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (rxjsConfig.onUnhandledError === this.unhandledHook) rxjsConfig.onUnhandledError = this.previousUnhandled;
    for (const subject of this.channels.values()) dispatchGuarded(subject, null);
  }

  private report(plugin: string, error: Error, during: TrainingEvent['type'] | undefined): PluginErrorEvent {
    const event: PluginErrorEvent = { type: 'plugin-error', plugin, error, during };
    this.reportedErrors.push(event);
    // Tell the other channels; a failure while handling a failure is recorded, never re-dispatched.
    if (!this.closed && during !== 'plugin-error') {
      for (const [name, subject] of this.channels) {
        if (name === plugin) continue;
        const nested = dispatchGuarded(subject, event);
        if (nested) this.reportedErrors.push({ type: 'plugin-error', plugin: name, error: nested, during: 'plugin-error' });
      }
    }
    this.options.onSubscriberError?.(plugin, error, during);
    return event;
  }
}

function rethrow(err: unknown): never {
  throw err;
}

/**
 * Runs `subject.next(event)` (or `complete()` for null) with rxjs' synchronous error capture
 * switched on for exactly this call, so an error thrown by any subscriber comes back here
 * instead of being re-thrown on a later tick. Dispatch is synchronous, so the flag cannot leak.
 */
function dispatchGuarded(subject: Subject<TrainingEvent>, event: TrainingEvent | null): Error | undefined {
  const previous = rxjsConfig.useDeprecatedSynchronousErrorHandling;
  rxjsConfig.useDeprecatedSynchronousErrorHandling = true;
  try {
    if (event) subject.next(event);
    else subject.complete();
    return undefined;
  } catch (err) {
    return toError(err);
  } finally {
    rxjsConfig.useDeprecatedSynchronousErrorHandling = previous;
  }
}
