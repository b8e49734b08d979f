// The command line's size arguments (apply --view-memory): bytes from 256m, 1g, 512k or plain bytes; the rest refused.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from 'commander';
import { bytes } from '../../cli/args.ts';

const test = suite('cli sizes');
const parse = bytes(1024 * 1024);

test('k, m and g are powers of 1024, either case; plain digits are bytes', () => {
  assert.is(parse('256m'), 256 * 2 ** 20);
  assert.is(parse('1G'), 2 ** 30);
  assert.is(parse('2048k'), 2 * 2 ** 20);
  assert.is(parse('1048576'), 2 ** 20);
  assert.is(parse('100000g'), 100000 * 2 ** 30);
});

test('below the least, a fraction, a unit it does not know, or nothing: refused with what it expects', () => {
  for (const bad of ['512k', '1.5g', '1t', '1mb', '', 'm', '-1m', '99999999999g']) {
    assert.throws(() => parse(bad), (e: Error) => e instanceof InvalidArgumentError && /expected a size such as 256m or 1g \(at least 1024 KiB\)/.test(e.message), bad);
  }
});

test.run();
