import { classify, loadClassifier, pixelsOf, topK } from './classifier.js';

// The exported model: `?model=<url of model.json>`, default ./model/model.json next to the page.
const modelUrl = new URLSearchParams(location.search).get('model') ?? './model/model.json';
const status = document.getElementById('status');
const drop = document.getElementById('drop');
const preview = document.getElementById('preview');
const result = document.getElementById('result');

async function show(classifier, file) {
  const bitmap = await createImageBitmap(file);
  const [probabilities] = classify(classifier, [pixelsOf(classifier.meta, bitmap, preview)]);
  result.replaceChildren(
    ...topK(classifier.meta, probabilities, 5).map((t, i) => {
      const li = document.createElement('li');
      li.textContent = `${t.label}: ${(100 * t.p).toFixed(1)} %`;
      li.dataset.index = String(t.index);
      if (i === 0) li.className = 'top';
      return li;
    }),
  );
  document.body.dataset.top1 = String(topK(classifier.meta, probabilities, 1)[0].index);
}

loadClassifier(modelUrl).then(
  (classifier) => {
    const { meta } = classifier;
    status.textContent = `${meta.architecture}, ${meta.numClasses} classes, input ${meta.inputShape.join('x')}`;
    document.body.dataset.ready = 'true';
    // For scripted checks: classify RGBA pixel arrays exactly as a dropped image is classified.
    window.dklClassify = (images) => classify(classifier, images.map((a) => Uint8ClampedArray.from(a))).map((p) => topK(meta, p, 1)[0].index);
    window.dklProbabilities = (images) => classify(classifier, images.map((a) => Uint8ClampedArray.from(a)));
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      const file = e.dataTransfer?.files?.[0];
      if (file) show(classifier, file);
    });
    document.getElementById('file').addEventListener('change', (e) => {
      const file = e.target.files?.[0];
      if (file) show(classifier, file);
    });
  },
  (error) => {
    status.textContent = `could not load ${modelUrl}: ${error.message}`;
    document.body.dataset.error = error.message;
  },
);
