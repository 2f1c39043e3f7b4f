import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRenderer } from '../../../src/cli/render/index.js';
import { ndjsonEventSchema, type NdjsonEvent } from '../../../src/cli/render/ndjson-schema.js';
import type { ExecutorEvent } from '../../../src/executor/index.js';
import { captureIo, runScenario } from './scenarios.js';

// Compile-time drift check: every executor event must fit the documented schema.
const fitsSchema = (e: ExecutorEvent): NdjsonEvent => e;
void fitsSchema;

async function render(output: 'plain' | 'json' | 'tty', scenario: Parameters<typeof runScenario>[0], opts: { quiet?: boolean } = {}) {
  const io = captureIo(output, opts);
  const renderer = await createRenderer(io);
  await runScenario(scenario, renderer.onEvent);
  await renderer.close();
  return io.out();
}

describe('plain renderer', () => {
  it('failing run', async () => {
    const out = await render('plain', 'failing');
    expect(out).not.toContain('s3cr3t-pw');
    expect(out).toMatchSnapshot();
  });
  it('resume', async () => {
    expect(await render('plain', 'resume')).toMatchSnapshot();
  });
  it('dry run prints the plan per host with diffs', async () => {
    expect(await render('plain', 'dry-run')).toMatchSnapshot();
  });
  it('--quiet keeps failures and the summary only', async () => {
    const out = await render('plain', 'failing', { quiet: true });
    expect(out).toMatchSnapshot();
    expect(out).not.toContain(' start ');
  });
});

describe('json renderer (NDJSON)', () => {
  it.each(['failing', 'resume', 'dry-run'] as const)('%s: every line is one event matching the documented schema', async (scenario) => {
    const out = await render('json', scenario);
    const lines = out.split('\n');
    expect(lines.pop()).toBe('');
    const events = lines.map((l) => ndjsonEventSchema.parse(JSON.parse(l)));
    expect(events[0]?.type).toBe('run-start');
    expect(events.at(-1)?.type).toBe('run-done');
    expect(out).not.toContain('s3cr3t-pw');
    expect(out).toMatchSnapshot();
  });

  it('the scenarios cover every event type', async () => {
    const seen = new Set<string>();
    for (const s of ['failing', 'resume', 'dry-run'] as const) await runScenario(s, (e) => seen.add(e.type));
    expect([...seen].sort()).toEqual(ndjsonEventSchema.options.map((o) => o.shape.type.value).sort());
  });

  it('docs/events.md carries the JSON Schema generated from the zod schema', () => {
    const docsPath = new URL('../../../docs/events.md', import.meta.url);
    const docs = readFileSync(docsPath, 'utf8');
    const generated = JSON.stringify(z.toJSONSchema(ndjsonEventSchema), null, 2);
    const block = /<!-- schema:start -->\n```json\n([\s\S]*?)\n```\n<!-- schema:end -->/;
    if (process.env['UPDATE_DOCS'] === '1') {
      writeFileSync(docsPath, docs.replace(block, `<!-- schema:start -->\n\`\`\`json\n${generated}\n\`\`\`\n<!-- schema:end -->`));
      return;
    }
    const match = block.exec(docs);
    expect(match, 'docs/events.md lacks the schema block').not.toBeNull();
    expect(match![1], 'docs/events.md is out of date: run UPDATE_DOCS=1 npx vitest run test/unit/render').toBe(generated);
  });
});

describe('tty renderer', () => {
  it('groups by host and ends with the summary (listr2, drawn to the io sink)', async () => {
    const out = await render('tty', 'failing');
    expect(out).toMatch(/✔ n1 {2}1\/2, 1 not run/);
    expect(out).toMatch(/✖ n2 {2}2\/2, 1 failed/);
    expect(out).toContain('kubelet/start@n2: ENOIMAGE: no such image');
    expect(out).toContain('run failed in 0.155s');
    expect(out).not.toContain('s3cr3t-pw');
  });
});
