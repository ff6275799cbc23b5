/**
 * A tf.io.IOHandler for the local file system (tfjs' pure-JS package has none): writes
 * `model.json` plus `group1-shardKofN.bin` weight shards in the TensorFlow.js format, each file
 * atomically, shards first and model.json last so a crash never leaves a model.json pointing at
 * missing shards.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError, writeFileAtomic } from '@dkl/core';

/** Default shard size, as tfjs' converter uses. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

function toBytes(data: tf.io.WeightData): Uint8Array {
  const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return new Uint8Array(buffer);
}

/**
 * Creates a handler saving to / loading from directory `dir` (created when saving).
 * @param shardBytes maximum bytes per weight shard
 * @param modelJsonName the topology file's name in `dir` (shards are found relative to it)
 */
export function fileSystemIOHandler(dir: string, shardBytes = DEFAULT_SHARD_BYTES, modelJsonName = 'model.json'): tf.io.IOHandler {
  const modelJsonPath = path.join(dir, modelJsonName);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (!artifacts.weightSpecs || !artifacts.weightData) {
        throw new CheckpointError(dir, 'nothing to save: model artifacts have no weights');
      }
      await fs.mkdir(dir, { recursive: true });
      const bytes = toBytes(artifacts.weightData);
      const shardCount = Math.max(1, Math.ceil(bytes.byteLength / shardBytes));
      const paths: string[] = [];
      for (let i = 0; i < shardCount; i++) {
        const name = `group1-shard${i + 1}of${shardCount}.bin`;
        paths.push(name);
        await writeFileAtomic(path.join(dir, name), bytes.subarray(i * shardBytes, Math.min(bytes.byteLength, (i + 1) * shardBytes)));
      }
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        ...(artifacts.format ? { format: artifacts.format } : {}),
        ...(artifacts.generatedBy ? { generatedBy: artifacts.generatedBy } : {}),
        ...(artifacts.convertedBy !== undefined ? { convertedBy: artifacts.convertedBy } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        ...(artifacts.signature ? { signature: artifacts.signature } : {}),
        weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
      };
      await writeFileAtomic(modelJsonPath, JSON.stringify(modelJson, null, 1));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology ?? null).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs).length,
          weightDataBytes: bytes.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await fs.readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (error) {
        throw new CheckpointError(modelJsonPath, `cannot read model.json: ${(error as Error).message}`, { cause: error });
      }
      if (!Array.isArray(json.weightsManifest)) throw new CheckpointError(modelJsonPath, "has no 'weightsManifest' array");
      const specs: tf.io.WeightsManifestEntry[] = [];
      const chunks: Uint8Array[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const file = path.join(dir, p);
          try {
            chunks.push(await fs.readFile(file));
          } catch (error) {
            throw new CheckpointError(file, `weight shard listed in model.json is unreadable: ${(error as Error).message}`, { cause: error });
          }
        }
      }
      const total = chunks.reduce((a, c) => a + c.byteLength, 0);
      const data = new Uint8Array(total);
      let offset = 0;
      for (const c of chunks) {
        data.set(c, offset);
        offset += c.byteLength;
      }
      return {
        modelTopology: json.modelTopology,
        ...(json.format ? { format: json.format } : {}),
        ...(json.generatedBy ? { generatedBy: json.generatedBy } : {}),
        ...(json.convertedBy !== undefined ? { convertedBy: json.convertedBy } : {}),
        ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
        weightSpecs: specs,
        weightData: data.buffer,
      };
    },
  };
}
