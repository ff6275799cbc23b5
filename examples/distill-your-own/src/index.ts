/**
 * @dkl-examples/distill-your-own: bring your own models. A Keras-style TensorFlow.js student built
 * in code, an ONNX teacher (exported from PyTorch, or trained and exported by dkl), distilled with
 * IKL on an image folder through `models.<role>.source` in the run config, then exported as a
 * tfjs layers model.
 *
 * @packageDocumentation
 */
export { buildStudent, type StudentOptions } from './student.js';
export { writeDemoImageFolder } from './image-folder.js';
export { distillConfig, distillYourOwn, type DistillOptions, type DistillResult } from './distill.js';
export { trainOnnxTeacher } from './teacher.js';
