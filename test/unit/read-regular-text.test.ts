import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRegularText, UnreadableFileError } from '../../src/facts/clients.js';
import { tempDir } from '../helpers/sockets.js';

describe('reading input files', () => {
  const dir = tempDir('dd-read-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a regular file and says undefined for a missing one', async () => {
    writeFileSync(path.join(dir, 'compose.yaml'), 'services: {}\n');
    expect(await readRegularText(path.join(dir, 'compose.yaml'))).toBe('services: {}\n');
    expect(await readRegularText(path.join(dir, 'missing'))).toBeUndefined();
    expect(await readRegularText(path.join(dir, 'compose.yaml', 'below-a-file'))).toBeUndefined();
  });

  it('refuses a FIFO without blocking on it', async () => {
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    await expect(readRegularText(path.join(dir, 'fifo'))).rejects.toThrow(/is a FIFO, not a regular file/);
  });

  it('refuses a link to a device and a directory', async () => {
    symlinkSync('/dev/zero', path.join(dir, 'Dockerfile'));
    await expect(readRegularText(path.join(dir, 'Dockerfile'))).rejects.toBeInstanceOf(UnreadableFileError);
    await expect(readRegularText(dir)).rejects.toThrow(/is a directory/);
  });

  it('refuses a file over the size limit before reading it', async () => {
    const big = path.join(dir, 'big.env');
    writeFileSync(big, '');
    truncateSync(big, 2 * 1024 * 1024 * 1024);
    await expect(readRegularText(big)).rejects.toThrow(/over the \d+-byte limit/);
    writeFileSync(path.join(dir, 'small'), 'x'.repeat(100));
    await expect(readRegularText(path.join(dir, 'small'), 10)).rejects.toThrow(/limit/);
  });

  it('reads /proc files, whose size reads as 0', async () => {
    expect(await readRegularText('/proc/self/status')).toMatch(/^Name:/);
  });
});
