// The page: load the assets, choose the backend, distill, and plot the event stream live.
// State is mirrored on `window.dklDistill` and `document.body.dataset` for scripted checks.
import { fetchAssets } from './assets.js';
import { LineChart } from './chart.js';
import { chooseBackend, distill } from './distill.js';

const status = document.getElementById('status');
const state = { backend: undefined, backendLine: undefined, steps: [], evals: [], done: false, error: undefined };
window.dklDistill = state;

const params = new URLSearchParams(location.search);
const epochs = Number(params.get('epochs') ?? 3);
const batchSize = Number(params.get('batch') ?? 32);
/** How many of the shipped training images to use (default all); `?backend=webgpu|webgl|cpu` forces one. */
const trainCount = params.has('train') ? Number(params.get('train')) : undefined;

/** The first `count` images of a split (the shipped order interleaves the classes). */
function subset(split, count) {
  const pixels = split.side * split.side;
  return { images: split.images.subarray(0, count * pixels), labels: split.labels.subarray(0, count), side: split.side };
}

async function main() {
  state.started = performance.now();
  const info = await chooseBackend((line) => console.info(line), params.get('backend') ?? undefined);
  state.backend = info.name;
  state.backendLine = `${info.name}${info.adapter ? ` (${info.adapter.description || info.adapter.architecture})` : ''}`;
  document.body.dataset.backend = info.name;
  document.getElementById('backend').textContent = state.backendLine;
  status.textContent = 'loading Fashion-MNIST and the teacher…';
  state.backendReady = performance.now();
  const assets = await fetchAssets(new URL('./assets/', location.href));
  const { test, teacher } = assets;
  const train = trainCount === undefined ? assets.train : subset(assets.train, trainCount);
  const loss = new LineChart(document.getElementById('loss'), { title: 'training loss' });
  const accuracy = new LineChart(document.getElementById('accuracy'), { title: 'student accuracy', yMin: 0, yMax: 1 });
  status.textContent = `distilling: ${train.labels.length} training images, ${test.labels.length} test images, ${epochs} epochs`;
  const { result } = await distill({
    teacher,
    train,
    test,
    epochs,
    batchSize,
    onStep: (s) => {
      state.steps.push({ ...s, time: performance.now() });
      document.body.dataset.steps = String(state.steps.length);
      loss.add('total', '#c33', s.step, s.losses.total);
      accuracy.add('train batch', '#39c', s.step, s.accuracy);
    },
    onEval: (e) => {
      state.evals.push(e);
      accuracy.add('test', '#3a3', e.step, e.top1);
    },
  });
  if (result.status !== 'completed') throw result.error ?? new Error(`run ${result.status}`);
  const last = state.evals.at(-1);
  status.textContent = `done: student test accuracy ${(last.top1 * 100).toFixed(1)}%`;
  state.done = true;
  document.body.dataset.done = 'true';
}

main().catch((error) => {
  state.error = String(error?.stack ?? error);
  document.body.dataset.error = String(error?.message ?? error);
  status.textContent = `error: ${error?.message ?? error}`;
  console.error(error);
});
