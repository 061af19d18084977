import { textColorOn } from './theme.js';

/**
 * The portal's stylesheet, with the vendor's accent (PORTAL_ACCENT_COLOR) as the banner's and primary buttons'
 * background and black or white text on it, whichever contrasts more. Every other colour pair is fixed and
 * meets WCAG AA (4.5:1) on white.
 */
export function portalStyles(accent: string): string {
  return `:root {
  --accent: ${accent};
  --on-accent: ${textColorOn(accent)};
  --text: #1a1a1a;
  --muted: #4d4d4d;
  --line: #8a8a8a;
  --soft: #f3f4f6;
  --ok: #0b6b2f;
  --bad: #a30d0d;
  --bad-soft: #fdecec;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  color: var(--text);
  background: #ffffff;
  line-height: 1.5;
}
* { box-sizing: border-box; }
body { margin: 0; }
:focus-visible { outline: 3px solid #000000; outline-offset: 2px; box-shadow: 0 0 0 5px #ffffff; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.skip { position: absolute; left: -999px; top: 0; background: #ffffff; color: #000000; padding: 8px; }
.skip:focus { left: 8px; z-index: 10; }
.banner {
  display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; justify-content: space-between;
  padding: 12px 20px; background: var(--accent); color: var(--on-accent);
}
.brand { display: flex; align-items: center; gap: 10px; font-weight: 700; font-size: 1.15rem; }
.logo { width: 32px; height: 32px; object-fit: contain; }
.who { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; }
.who button { background: transparent; color: var(--on-accent); border: 2px solid var(--on-accent); }
main { max-width: 1100px; margin: 0 auto; padding: 20px; }
main:focus, main:focus-visible { outline: none; box-shadow: none; }
h1 { font-size: 1.5rem; margin: 0.2em 0 0.6em; }
h2 { font-size: 1.2rem; margin: 1.2em 0 0.5em; }
h3 { font-size: 1.05rem; margin: 1em 0 0.3em; }
p { margin: 0.4em 0 0.8em; }
code { background: var(--soft); padding: 0 4px; border-radius: 4px; word-break: break-all; }
button {
  font: inherit; padding: 8px 14px; border-radius: 6px; cursor: pointer;
  border: 2px solid var(--text); background: #ffffff; color: var(--text); min-height: 44px;
}
button.primary { background: var(--accent); color: var(--on-accent); border-color: var(--accent); }
button[aria-pressed='true'] { background: var(--text); color: #ffffff; }
button:disabled { cursor: wait; opacity: 0.8; }
label { display: block; font-weight: 600; margin: 0.6em 0 0.2em; }
label.inline { display: inline; }
input[type='checkbox'] { width: 24px; height: 24px; min-height: 0; vertical-align: middle; }
input, select {
  font: inherit; padding: 8px 10px; border: 2px solid var(--line); border-radius: 6px; min-height: 44px;
  color: var(--text); background: #ffffff; width: 100%; max-width: 28rem;
}
.card { border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; margin: 16px 0; }
.narrow { max-width: 34rem; }
.tabs { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 16px; padding: 0; list-style: none; }
.providers { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; }
.field { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.field input { flex: 1 1 16rem; font-family: ui-monospace, Menlo, Consolas, monospace; max-width: none; }
.note { border-left: 4px solid var(--bad); background: var(--bad-soft); padding: 8px 12px; }
.status { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: baseline; }
.state { font-weight: 700; font-size: 1.1rem; }
.state.ok { color: var(--ok); }
.muted { color: var(--muted); }
.error { color: var(--bad); font-weight: 600; }
ol.steps > li { margin-bottom: 1em; }
dl.values { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: 4px 12px; margin: 0.4em 0; }
dl.values dt { font-weight: 600; }
dl.values dd { margin: 0; word-break: break-all; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
tr.failed { background: var(--bad-soft); }
.badge { display: inline-block; padding: 0 6px; border-radius: 4px; font-weight: 700; }
.badge.bad { background: var(--bad); color: #ffffff; }
pre { background: var(--soft); padding: 8px; white-space: pre-wrap; word-break: break-all; }
details summary { cursor: pointer; }
.filters { display: flex; flex-wrap: wrap; gap: 0 16px; align-items: end; }
.filters > div { flex: 1 1 12rem; }
@media (max-width: 600px) {
  main { padding: 12px; }
  th, td { padding: 4px; }
  .hide-narrow { display: none; }
}
`;
}
