import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

// The code shown in README.md and docs/*.md is the code the example tests run: a block marked
// `<!-- example: examples/FILE -->` is that file verbatim, every file of examples/ is shown somewhere and
// run by a test in test/examples/, and no block that calls the API (curl, fetch, an import) goes unmarked.

const documents = [
  'README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const exampleFiles = readdirSync('examples').sort();
const exampleTests = readdirSync('test/examples').filter(
  (name) => name.endsWith('.test.ts') && name !== 'docs.test.ts',
);

interface Block {
  readonly document: string;
  readonly line: number;
  readonly marker: string | undefined;
  readonly code: string;
}

function codeBlocks(document: string): Block[] {
  const lines = readFileSync(document, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('```')) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'));
    const marker = /^<!-- example: (\S+) -->$/.exec(lines[i - 1] ?? '')?.[1];
    blocks.push({ document, line: i + 1, marker, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

const blocks = documents.flatMap(codeBlocks);
const marked = blocks.filter((block) => block.marker !== undefined);

describe('code examples in the documentation', () => {
  it.each(marked.map((block) => [`${block.document}: ${block.marker}`, block] as const))(
    '%s is shown verbatim',
    (_where, block) => {
      expect(block.marker).toMatch(/^examples\/[\w.-]+$/);
      expect(block.code).toBe(readFileSync(block.marker!, 'utf8').trimEnd());
    },
  );

  it('every file of examples/ is shown in the documentation and run by a test', () => {
    const tests = exampleTests.map((name) => readFileSync(`test/examples/${name}`, 'utf8')).join('\n');
    expect(exampleFiles.filter((file) => !marked.some((block) => block.marker === `examples/${file}`))).toEqual([]);
    expect(exampleFiles.filter((file) => !tests.includes(`'${file}'`))).toEqual([]);
  });

  it('no block that calls the API is left without its example file', () => {
    const unmarked = blocks.filter(
      (block) => block.marker === undefined && /\bcurl\b|\bfetch\(|^import /m.test(block.code),
    );
    expect(unmarked.map((block) => `${block.document}:${block.line}`)).toEqual([]);
  });
});
