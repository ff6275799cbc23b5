/**
 * Reads a TensorFlow.js model (model.json + weight shards) from disk or http(s) into memory, so
 * one read serves both the format check (layers or graph model) and the load.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@dkl/core';
import { fileSystemIOHandler } from '../io/fs-io-handler.js';
import { describeLocation, type ModelLocation } from './model-location.js';

/** `layers` for a tf.LayersModel (Keras topology), `graph` for a tf.GraphModel (converted graph). */
export type TfjsModelKind = 'layers' | 'graph';

export interface TfjsArtifacts {
  readonly kind: TfjsModelKind;
  readonly artifacts: tf.io.ModelArtifacts;
}

/** The kind a model.json describes: its `format`, else the shape of its topology. */
function kindOf(artifacts: tf.io.ModelArtifacts): TfjsModelKind | undefined {
  if (artifacts.format === 'layers-model') return 'layers';
  if (artifacts.format === 'graph-model') return 'graph';
  const topology = artifacts.modelTopology as Record<string, unknown> | undefined;
  if (topology && 'node' in topology) return 'graph';
  if (topology && ('class_name' in topology || 'model_config' in topology)) return 'layers';
  return undefined;
}

export async function loadTfjsArtifacts(location: ModelLocation, keyPath: string): Promise<TfjsArtifacts> {
  const where = describeLocation(location);
  const handler = location.kind === 'file' ? fileSystemIOHandler(path.dirname(location.file), undefined, path.basename(location.file)) : tf.io.http(location.url);
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load!();
  } catch (error) {
    throw new ConfigError(keyPath, `cannot read the TensorFlow.js model at ${where}: ${(error as Error).message}`, { cause: error });
  }
  const kind = kindOf(artifacts);
  if (!kind) throw new ConfigError(keyPath, `${where} is neither a tfjs layers model nor a graph model (format '${artifacts.format ?? 'none'}', no recognisable modelTopology)`);
  return { kind, artifacts };
}
