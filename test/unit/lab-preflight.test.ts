// Lab preflight: what the machine must offer (overlayfs and the like), read from /proc/filesystems.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireOverlay } from '../../lab/preflight.ts';

const fixture = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'fs-')), 'filesystems');
  writeFileSync(path, text);
  return path;
};

test('a kernel listing overlay passes', async () => {
  await requireOverlay(fixture('nodev\tsysfs\nnodev\toverlay\n\text4\n'));
});

test('a kernel without overlayfs: one line saying what to do', async () => {
  try {
    await requireOverlay(fixture('nodev\tsysfs\nnodev\toverlayish\n\text4\n'));
    assert.unreachable('no overlay listed, yet accepted');
  } catch (err) {
    assert.is((err as Error).message, 'overlayfs is missing from this kernel: load it with `modprobe overlay` (the lab layers hosts over one image)');
  }
});

test.run();
