// Parses Mermaid diagrams with Mermaid's own parser, headless, for tests/e2e/test_mermaid.py.
//
// mermaid.parse() runs the real grammar (for flowcharts, Mermaid's jison parser) and fills
// the diagram's database; that step sanitises labels with DOMPurify, which needs a DOM, so
// jsdom provides one. Nothing is laid out or drawn, so no browser is needed.
//
// Input (stdin): one JSON array of diagram sources per line. Output (stdout): for each input
// line, one line holding a JSON array with one result per diagram (so one process, started
// once, answers any number of requests):
//   {"ok": true, "type": ..., "config": {...directives found...},
//    "nodes": [{"id", "label", "text", "classes"}], "edges": [[from, to], ...]}
//   {"ok": false, "error": "..."}
// `label` is the label as Mermaid stored it; `text` is what a reader sees: entity codes
// decoded, each <br> a new line.
//
// The packages come from MERMAID_NODE_MODULES, default .ci/node/node_modules (where .ci/run
// installs tests/e2e/package.json with `npm ci`).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.MERMAID_NODE_MODULES || path.resolve(here, '..', '..', '.ci', 'node', 'node_modules');
const require = createRequire(path.join(modules, 'resolve-from-here.js'));

const { JSDOM } = require('jsdom');
const { window } = new JSDOM('<!doctype html><html><body></body></html>');
// Before mermaid (and DOMPurify inside it) is imported: DOMPurify binds to the window it sees then.
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import(pathToFileURL(require.resolve('mermaid')).href);
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

// Mermaid stores entity codes (#34;) as placeholders until it draws; decode them as it would.
function readerText(label) {
  const html = String(label)
    .replace(/ﬂ°°/g, '&#')
    .replace(/ﬂ°/g, '&')
    .replace(/¶ß/g, ';')
    .replace(/<br\s*\/?>/gi, '\n');
  const area = window.document.createElement('textarea');
  area.innerHTML = html;
  return area.value;
}

async function parseOne(text) {
  try {
    const parsed = await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    const vertices = typeof db.getVertices === 'function' ? [...db.getVertices().values()] : [];
    const edges = typeof db.getEdges === 'function' ? db.getEdges() : [];
    return {
      ok: true,
      type: parsed.diagramType,
      config: parsed.config || {},
      nodes: vertices.map((v) => ({ id: v.id, label: v.text, text: readerText(v.text), classes: v.classes || [] })),
      edges: edges.map((e) => [e.start, e.end]),
    };
  } catch (error) {
    return { ok: false, error: String((error && error.message) || error) };
  }
}

import { createInterface } from 'node:readline';

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  const results = [];
  for (const text of JSON.parse(line)) results.push(await parseOne(text));
  process.stdout.write(JSON.stringify(results) + '\n');
}
