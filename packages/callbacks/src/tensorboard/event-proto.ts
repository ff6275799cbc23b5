/** The subset of TensorFlow's `Event` / `Summary` protobuf messages that scalar logging needs. */
import protobuf from 'protobufjs';

const root = protobuf.Root.fromJSON({
  nested: {
    tensorboard: {
      nested: {
        Event: {
          fields: {
            wall_time: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            file_version: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        Summary: { fields: { value: { rule: 'repeated', type: 'Value', id: 1 } } },
        Value: {
          fields: {
            tag: { type: 'string', id: 1 },
            simple_value: { type: 'float', id: 2 },
          },
        },
      },
    },
  },
});

export const EventMessage = root.lookupType('tensorboard.Event');

export interface ScalarEvent {
  readonly wallTime: number;
  readonly step: number;
  readonly fileVersion?: string;
  readonly scalars?: ReadonlyArray<{ readonly tag: string; readonly value: number }>;
}

export function encodeEvent(event: ScalarEvent): Uint8Array {
  const message = EventMessage.fromObject({
    wall_time: event.wallTime,
    step: event.step,
    ...(event.fileVersion ? { file_version: event.fileVersion } : {}),
    ...(event.scalars ? { summary: { value: event.scalars.map((s) => ({ tag: s.tag, simple_value: s.value })) } } : {}),
  });
  return EventMessage.encode(message).finish();
}

export function decodeEvent(payload: Uint8Array): ScalarEvent {
  const o = EventMessage.toObject(EventMessage.decode(payload), { longs: Number }) as {
    wall_time?: number;
    step?: number;
    file_version?: string;
    summary?: { value?: Array<{ tag: string; simple_value?: number }> };
  };
  return {
    wallTime: o.wall_time ?? 0,
    step: o.step ?? 0,
    fileVersion: o.file_version,
    scalars: o.summary?.value?.map((v) => ({ tag: v.tag, value: v.simple_value ?? 0 })),
  };
}
