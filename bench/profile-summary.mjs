// Self time of a V8 CPU profile (`node --cpu-prof`) grouped by package: node_modules/<pkg>, src/<folder> (our
// code, from dist/ or src/), node:<module> (Node's own JavaScript), and V8's pseudo-frames ((garbage collector),
// (program), (idle)) and built-ins without a script ((native)).
// node bench/profile-summary.mjs file.cpuprofile [--top 15] [--functions 0]
// --functions N also lists the N functions with the most self time. Percentages are of the non-idle samples.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!file) {
  console.error('usage: node bench/profile-summary.mjs file.cpuprofile [--top 15] [--functions 0]');
  process.exit(2);
}
const top = option('top', 15);
const functions = option('functions', 0);

/** The bucket a frame's self time goes to. */
function packageOf({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:internal/')) return `node:internal/${url.slice(14).split('/')[0].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return url.replace(/\/.*$/, '');
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/');
    return `node_modules/${scope.startsWith('@') ? `${scope}/${name}` : scope}`;
  }
  const ours = /\/(?:dist\/)?src\/(.+)$/.exec(url);
  if (ours) {
    const parts = ours[1].split('/');
    return parts.length > 1 ? `src/${parts[0]}` : 'src/';
  }
  return url.replace(/^file:\/\//, '');
}

const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
// Weight each sample by the time until the next one, so that uneven sampling does not skew the shares.
const selfTime = new Map();
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i + 1] ?? 0;
  selfTime.set(id, (selfTime.get(id) ?? 0) + delta);
});

const byPackage = new Map();
const byFunction = new Map();
let busy = 0;
let idle = 0;
for (const [id, micros] of selfTime) {
  const frame = nodes.get(id).callFrame;
  const bucket = packageOf(frame);
  if (bucket === '(idle)') {
    idle += micros;
    continue;
  }
  busy += micros;
  byPackage.set(bucket, (byPackage.get(bucket) ?? 0) + micros);
  const file = frame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(dist\/)?src\//, 'src/');
  const where = `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : bucket}`;
  byFunction.set(where, (byFunction.get(where) ?? 0) + micros);
}

const table = (title, entries, count) => {
  console.log(`| ${title} | self % | self ms |`);
  console.log('|---|---:|---:|');
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`| ${name} | ${((100 * micros) / busy).toFixed(1)} | ${(micros / 1000).toFixed(0)} |`);
  }
};
const seconds = (micros) => (micros / 1e6).toFixed(1);
console.log(
  `${file}: ${profile.samples.length} samples, ${seconds(busy + idle)} s, busy ${seconds(busy)} s, idle ${seconds(idle)} s\n`,
);
table('package', byPackage, top);
if (functions > 0) {
  console.log('');
  table('function', byFunction, functions);
}
