/** The subset of TensorFlow's `Event` / `Summary` protobuf messages that scalar logging needs. */
import protobuf from 'protobufjs';

// Field names and numbers as TensorFlow's event.proto and summary.proto (proto3 upstream; these
// fields encode the same in proto2).
const root = protobuf.parse(
  `syntax = "proto2";
package tensorboard;
message Event { optional double wall_time = 1; optional int64 step = 2; optional string file_version = 3; optional Summary summary = 5; }
message Summary { repeated Value value = 1; }
message Value { optional string tag = 1; optional float simple_value = 2; }`,
  { keepCase: true },
).root;

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
