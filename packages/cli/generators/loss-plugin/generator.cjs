// `nx g @dkl/cli:loss-plugin <name>`: scaffolds a dkl plugin package (a loss bound through its
// own ContainerModule, a test, tsconfigs, README) under `<directory>/dkl-plugin-<name>`.
const path = require('node:path');
const { generateFiles, names } = require('@nx/devkit');

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
  return () => {
    console.log(`Created ${o.packageName} in ${o.root}. Run npm install, then: npx nx test ${o.packageName}`);
  };
}

module.exports = lossPluginGenerator;
module.exports.default = lossPluginGenerator;
module.exports.normalize = normalize;
