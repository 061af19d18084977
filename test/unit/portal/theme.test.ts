import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { escapeHtml, portalPage } from '../../../src/portal/page.js';
import { contrastRatio, textColorOn } from '../../../src/portal/theme.js';

describe('the portal accent colour', () => {
  it('gets black or white text, whichever reaches AA (4.5:1) on it', () => {
    expect(textColorOn('#1f4fd1')).toBe('#ffffff');
    expect(textColorOn('#ffff00')).toBe('#000000');
    expect(textColorOn('#777777')).toBe('#000000');
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    const hex = fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
      .map((rgb) => `#${rgb.map((channel) => channel.toString(16).padStart(2, '0')).join('')}`);
    fc.assert(fc.property(hex, (accent) => contrastRatio(accent, textColorOn(accent)) >= 4.5));
  });
});

describe('the portal page', () => {
  it('escapes the vendor title and logo URL into text and attributes', () => {
    const html = portalPage({ title: `<script>alert("x")</script> & 'co'`, logoUrl: 'https://x.example/a.png?b="c"' });
    expect(html).not.toContain('<script>alert');
    expect(html).toContain(escapeHtml(`<script>alert("x")</script> & 'co'`));
    expect(html).toContain('src="https://x.example/a.png?b=&quot;c&quot;"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script: only <script src=…>
    expect(html).not.toMatch(/\sstyle=/);
  });
});
