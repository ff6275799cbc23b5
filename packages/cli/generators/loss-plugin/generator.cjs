// `nx g @dkl/cli:loss-plugin <name>`: scaffolds a dkl plugin package (a loss bound through its
// own ContainerModule, a test, tsconfigs, README) under `<directory>/dkl-plugin-<name>`.
const path = require('node:path');
const { generateFiles, names, updateJson } = require('@nx/devkit');

function normalize(options) {
  if (!/^[a-z][a-z0-9-]*$/.test(options.name)) {
    throw new Error(`loss-plugin: name '${options.name}' must be kebab-case (letters, digits, dashes)`);
  }
  const n = names(options.name);
  const dirName = `dkl-plugin-${n.fileName}`;
  return {
    lossName: n.fileName,
    className: n.className,
    propertyName: n.propertyName,
    packageName: `${options.scope ?? '@dkl-examples'}/${dirName}`,
    root: path.posix.join(options.directory ?? 'examples', dirName),
  };
}

async function lossPluginGenerator(tree, options) {
  const o = normalize(options);
  if (tree.exists(path.posix.join(o.root, 'package.json'))) throw new Error(`loss-plugin: ${o.root} already exists`);
  const depth = o.root.split('/').length;
  generateFiles(tree, path.join(__dirname, 'files'), o.root, { ...o, toRoot: '../'.repeat(depth), tmpl: '' });
  addRootReference(tree, o.root);
  return () => console.log(nextSteps(o));
}

/** The root tsconfig lists every project (what `nx sync` checks): add the new one so the workspace stays in sync. */
function addRootReference(tree, root) {
  if (!tree.exists('tsconfig.json')) return;
  updateJson(tree, 'tsconfig.json', (json) => {
    const references = json.references ?? [];
    const ref = `./${root}`;
    if (!references.some((r) => r.path === ref || r.path === root)) references.push({ path: ref });
    return { ...json, references };
  });
}

/** What to run next, one command a line (the repository README runs exactly these in its check). */
function nextSteps(o) {
  return [`Created ${o.packageName} in ${o.root}. Next:`, '  npm install', `  npx nx test ${o.packageName}`].join('\n');
}

module.exports = lossPluginGenerator;
module.exports.default = lossPluginGenerator;
module.exports.normalize = normalize;
module.exports.nextSteps = nextSteps;
