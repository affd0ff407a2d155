import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions, usage } from './harness';

describe('benchmark options', () => {
  const defaults = { models: 'wnd,rmc2', seconds: '5', 'per-core': '' };

  it('are the defaults when none are given', () => {
    assert.deepEqual(parseOptions(defaults, []), defaults);
  });

  it('take --key value and --key=value, the last one winning, empty values included', () => {
    assert.deepEqual(parseOptions(defaults, ['--seconds', '9', '--models=ncf', '--seconds', '10', '--per-core', '']), {
      models: 'ncf',
      seconds: '10',
      'per-core': '',
    });
  });

  it('answer help for --help', () => {
    assert.equal(parseOptions(defaults, ['--seconds', '9', '--help']), 'help');
  });

  it('reject unknown options, positionals and missing values', () => {
    assert.throws(() => parseOptions(defaults, ['--second', '9']), /Unknown option '--second'/);
    assert.throws(() => parseOptions(defaults, ['worker']), /Unexpected argument 'worker'/);
    assert.throws(() => parseOptions(defaults, ['--seconds']), /argument missing/);
  });

  it('list every option with its default in the usage', () => {
    assert.equal(
      usage('worker', defaults, { 'per-core': 'model=QPS,…' }),
      [
        'usage: npm run bench -- worker [--option value ...]',
        'options (default):',
        '  --models    wnd,rmc2',
        '  --seconds   5',
        '  --per-core  ""  (model=QPS,…)',
      ].join('\n'),
    );
  });

  it('take flags: "true" when given, "false" when not, listed after the options in the usage', () => {
    assert.deepEqual(parseOptions(defaults, ['--no-pytorch'], ['no-pytorch']), { ...defaults, 'no-pytorch': 'true' });
    assert.deepEqual(parseOptions(defaults, [], ['no-pytorch']), { ...defaults, 'no-pytorch': 'false' });
    assert.throws(() => parseOptions(defaults, ['--no-pytorch=1'], ['no-pytorch']), /does not take an argument/);
    assert.equal(
      usage('engine', { models: 'wnd' }, { 'no-pytorch': 'skip the peer' }, ['no-pytorch']).split('\n').at(-1),
      '  --no-pytorch  off  (skip the peer)',
    );
  });
});
