/**
 * `node examples/distill-your-own/dist/demo.js <work-dir> [teacher.onnx nchw|nhwc]`: writes a
 * demo image folder, obtains an ONNX teacher (the given file, or one dkl trains and exports),
 * distils it into the Keras-style student and exports the student as a tfjs layers model.
 */
import { initBackend } from '@dkl/core';
import { join, resolve } from 'node:path';
import { distillYourOwn } from './distill.js';
import { writeDemoImageFolder } from './image-folder.js';
import { trainOnnxTeacher } from './teacher.js';

const [workArg, teacherArg, layoutArg] = process.argv.slice(2);
if (!workArg) {
  process.stderr.write('usage: demo.js <work-dir> [teacher.onnx nchw|nhwc]\n');
  process.exit(2);
}
const workDir = resolve(workArg);
await initBackend({ log: (line) => process.stderr.write(`${line}\n`) });
const imageRoot = join(workDir, 'images');
const classes = await writeDemoImageFolder(imageRoot);
const teacher = teacherArg ? resolve(teacherArg) : await trainOnnxTeacher({ imageRoot, workDir });
const { run, exported } = await distillYourOwn({ imageRoot, teacher, numClasses: classes.length, workDir, teacherLayout: teacherArg ? ((layoutArg as 'nchw' | 'nhwc' | undefined) ?? 'nchw') : 'nhwc' });
const last = run.result.history.at(-1);
process.stdout.write(`student val top-1 ${(100 * (last?.eval['val']?.['top1'] ?? NaN)).toFixed(1)}% after ${run.result.epoch} epochs; exported to ${exported}\n`);
