import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCondition } from '../../src/diagnose/conditions.js';
import { CONDITION_KINDS, conditionKind, conditionParts, type Condition } from '../../src/matrix/types.js';

const root = join(import.meta.dirname, '..', '..');

describe('the condition-kind registry', () => {
  it('lists each kind once, and matrix/README.md documents every one', () => {
    expect(new Set(CONDITION_KINDS).size).toBe(CONDITION_KINDS.length);
    expect(CONDITION_KINDS.length).toBe(16);
    const readme = readFileSync(join(root, 'matrix', 'README.md'), 'utf8');
    for (const kind of CONDITION_KINDS) expect(readme, kind).toContain(`\`${kind}:`);
  });

  it('knows a condition\'s kind and the conditions inside it', () => {
    const a: Condition = { installed: 'onnx' };
    const b: Condition = { python: '>=3.12' };
    expect(conditionKind(a)).toBe('installed');
    expect(conditionParts({ all: [a, b] })).toEqual([a, b]);
    expect(conditionParts({ any: [b] })).toEqual([b]);
    expect(conditionParts({ not: a })).toEqual([a]);
    expect(conditionParts(a)).toEqual([]);
  });

  it('a condition of a kind it does not know is an internal error, not a silent false', () => {
    const bogus = { someday: true } as unknown as Condition;
    expect(() => evaluateCondition(bogus, {} as never)).toThrow(/no evaluator for condition kind "someday"/);
  });
});
