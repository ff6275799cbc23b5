/** The model sources of @dkl/models (`zoo`, `tfjs`, `onnx`) as `ModelSource` contributions. */
import { ModelSource } from '@dkl/core';
import { ContainerModule } from 'inversify';
import { onnxSource } from './onnx-source.js';
import { tfjsSource } from './tfjs-source.js';
import { zooSource } from './zoo-source.js';

export const modelSources: readonly ModelSource[] = [zooSource as ModelSource, tfjsSource as ModelSource, onnxSource as ModelSource];

/** Multi-binds `zoo`, `tfjs` and `onnx` to the core `ModelSource` token (Node only: files, onnxruntime). */
export const modelSourcesModule = new ContainerModule((options) => {
  for (const source of modelSources) options.bind<ModelSource>(ModelSource).toConstantValue(source);
});
