// `npm test`: type-check, build, run jest, and end with the tally line `N passed, M failed` (read from jest's JSON).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const results = '.jest-results.json';
rmSync(results, { force: true });

// Type-check everything (tests included), build dist/ for the tests that start `node dist/src/main.js` and
// the portal's browser code (dist/portal/, served by the server the tests start), check the dependency rules
// and that every runtime import is a production dependency.
const steps = [
  ['tsc', '-p', 'tsconfig.json', '--noEmit'],
  ['tsc', '-p', 'tsconfig.build.json'],
  ['tsc', '-p', 'portal/tsconfig.json'],
  ['depcruise', 'src', '--config', '.dependency-cruiser.cjs'],
  ['node', 'scripts/check-runtime-deps.mjs'],
  ['eslint', '.'],
  ['prettier', '--check', '.'],
];
for (const args of steps) {
  const step = spawnSync('npx', args, { stdio: 'inherit' });
  if (step.status !== 0) {
    console.log(`${args.join(' ')} failed`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

// --disable-proto=delete removes the `__proto__` accessor, a tripwire for code that would walk it (it is
// not the defence: that is the allow-listed paths and prototype-less objects in src/scim).
const jest = spawnSync('npx', ['jest', '--json', `--outputFile=${results}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --disable-proto=delete`.trim(),
  },
});

let passed = 0;
let failed = 0;
if (existsSync(results)) {
  const summary = JSON.parse(readFileSync(results, 'utf8'));
  passed = summary.numPassedTests;
  failed = summary.numFailedTests + summary.numRuntimeErrorTestSuites;
}
const code = jest.status ?? 1;
if (code !== 0 && failed === 0) failed = 1; // jest failed outside any test (setup, open handles)
console.log(`${passed} passed, ${failed} failed`);
process.exit(code === 0 ? 0 : 1);
