// Every package that src/ imports at run time must be in `dependencies`: a production install
// (`npm ci --omit=dev` or `npm prune --omit=dev`) has nothing else. Type-only imports are erased by tsc and
// are allowed from devDependencies.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const dependencies = new Set(Object.keys(pkg.dependencies ?? {}));
const builtins = new Set(builtinModules);

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* sourceFiles(full);
    else if (/\.ts$/.test(name) && !/\.d\.ts$/.test(name)) yield full;
  }
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

// `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')`; `import type` is skipped.
const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

const problems = [];
for (const file of sourceFiles(path.join(root, 'src'))) {
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    if (match[2]) continue; // import type / export type
    const specifier = match[3] ?? match[4];
    if (!specifier || specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
    const name = packageOf(specifier);
    if (!dependencies.has(name))
      problems.push(`${path.relative(root, file)} imports ${specifier}, but ${name} is not in dependencies`);
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('runtime imports: every package src/ imports is in dependencies');
