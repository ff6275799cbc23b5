import { filter, type Observable, type OperatorFunction } from 'rxjs';
import type { EventOf, TrainingEvent, TrainingEventType } from './training-events.js';

/** rxjs operator narrowing the stream to some event types: `events.pipe(ofType('epoch-end'))`. */
export function ofType<K extends TrainingEventType>(...types: K[]): OperatorFunction<TrainingEvent, EventOf<K>> {
  const wanted = new Set<TrainingEventType>(types);
  return (source: Observable<TrainingEvent>) =>
    source.pipe(filter((event): event is EventOf<K> => wanted.has(event.type)));
}
