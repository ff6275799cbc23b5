import { dispose, type Tensor } from '@tensorflow/tfjs';
import { Observable, Subject, Subscriber, type Observer, type Operator, type Subscription } from 'rxjs';
import type { PluginErrorEvent, TrainingEvent } from './training-events.js';

/** Called once per subscriber failure, after the failing dispatch finished. */
export type SubscriberErrorHandler = (plugin: string, error: Error, during?: TrainingEvent['type']) => void;

export interface TrainingEventBusOptions {
  /** Told about every subscriber failure; trainers use it to end the run as failed. */
  readonly onSubscriberError?: SubscriberErrorHandler;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function tensorsOf(event: TrainingEvent): Tensor[] {
  return event.type === 'batch-end' ? Object.values(event.outputs).filter((t): t is Tensor => t !== undefined) : [];
}

/** Where a channel's listener failures go: collected during a dispatch, reported at once otherwise. */
type FailureSink = (error: Error) => void;

/**
 * A channel's stream. Like a VS Code `Emitter`, it wraps every listener itself: the callbacks a
 * plugin passes to `subscribe` (directly or after any `pipe`) run inside a try/catch that
 * attributes a failure to the channel, synchronously during a dispatch or later for listeners
 * behind asynchronous operators. No process-wide rxjs setting is touched, so any number of buses
 * can live in one process.
 */
class ChannelObservable<T> extends Observable<T> {
  constructor(
    private readonly sink: FailureSink,
    subscribe?: (this: Observable<T>, subscriber: Subscriber<T>) => void,
  ) {
    super(subscribe);
  }

  /** Operators build their result through `lift`: keep it a guarded channel stream. */
  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const lifted = new ChannelObservable<R>(this.sink);
    lifted.source = this;
    lifted.operator = operator;
    return lifted;
  }

  override subscribe(
    observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    // Operators subscribe to their source with their own Subscriber: that is plumbing, not a listener.
    if (observerOrNext instanceof Subscriber) return super.subscribe(observerOrNext);
    const observer: Partial<Observer<T>> =
      typeof observerOrNext === 'function' || !observerOrNext
        ? { next: observerOrNext ?? undefined, error: error ?? undefined, complete: complete ?? undefined }
        : observerOrNext;
    const guard = (call: () => void): void => {
      try {
        call();
      } catch (err) {
        this.sink(toError(err));
      }
    };
    return super.subscribe({
      next: (value) => guard(() => observer.next?.(value)),
      // An error notification (an operator inside the plugin threw) is the plugin's failure too.
      error: (err) => guard(() => (observer.error ? observer.error(err) : this.sink(toError(err)))),
      complete: () => guard(() => observer.complete?.()),
    });
  }
}

/**
 * Dispatches training events to named channels, one per plugin, synchronously.
 *
 * - A subscriber that throws does not crash the process and does not vanish silently: its error
 *   is caught during dispatch, attributed to the channel's name, emitted as a `plugin-error`
 *   event and handed to `onSubscriberError` (the trainer's policy: end the run as failed).
 * - Ownership: after a `batch-end` is dispatched, the bus disposes the tensors in its `outputs`.
 *   Subscribers that need them later copy them during dispatch.
 * - Errors thrown later by a listener behind asynchronous rxjs operators (delay, throttle) are
 *   attributed to its channel too and reported when they happen (`during` undefined), also after
 *   `close()`. Each channel wraps its own listeners, so no process-wide rxjs hook is involved.
 */
export class TrainingEventBus {
  private readonly channels = new Map<string, { subject: Subject<TrainingEvent>; stream: Observable<TrainingEvent> }>();
  private readonly reportedErrors: PluginErrorEvent[] = [];
  /** Failures of the dispatch in progress, by channel; undefined between dispatches. */
  private dispatching: Array<[string, Error]> | undefined;
  private closed = false;

  constructor(private readonly options: TrainingEventBusOptions = {}) {}

  /** The event stream as seen by `name`; errors in its subscribers are attributed to `name`. */
  channel(name: string): Observable<TrainingEvent> {
    let channel = this.channels.get(name);
    if (!channel) {
      const subject = new Subject<TrainingEvent>();
      const sink: FailureSink = (error) => {
        if (this.dispatching) this.dispatching.push([name, error]);
        else this.report(name, error, undefined); // a listener behind an asynchronous operator
      };
      channel = { subject, stream: new ChannelObservable<TrainingEvent>(sink, (subscriber) => subject.subscribe(subscriber)) };
      this.channels.set(name, channel);
    }
    return channel.stream;
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
    const failures = this.dispatch(event, undefined);
    return failures.map(([name, error]) => this.report(name, error, event.type));
  }

  /** Completes every channel. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [plugin, error] of this.dispatch(null, undefined)) this.report(plugin, error, undefined);
  }

  /** Sends `event` (or completion, for null) to every channel but `skip`; returns what failed. */
  private dispatch(event: TrainingEvent | null, skip: string | undefined): Array<[string, Error]> {
    const outer = this.dispatching;
    const failures: Array<[string, Error]> = [];
    this.dispatching = failures;
    try {
      for (const [name, { subject }] of this.channels) {
        if (name === skip) continue;
        if (event) subject.next(event);
        else subject.complete();
      }
    } finally {
      this.dispatching = outer;
      if (event) dispose(tensorsOf(event));
    }
    return failures;
  }

  private report(plugin: string, error: Error, during: TrainingEvent['type'] | undefined): PluginErrorEvent {
    const event: PluginErrorEvent = { type: 'plugin-error', plugin, error, during };
    this.reportedErrors.push(event);
    // Tell the other channels; a failure while handling a failure is recorded, never re-dispatched.
    if (!this.closed && during !== 'plugin-error') {
      for (const [name, nested] of this.dispatch(event, plugin)) this.reportedErrors.push({ type: 'plugin-error', plugin: name, error: nested, during: 'plugin-error' });
    }
    this.options.onSubscriberError?.(plugin, error, during);
    return event;
  }
}
