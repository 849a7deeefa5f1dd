// tools/full-disk.mjs under jest: a run on a full tmpfs fails with one line naming the file
// (ENOSPC), leaves whole log lines, and resumes to the end once space is freed; an append the disk
// cuts short fails naming the file and leaves the log as it was. Mounting needs root and a kernel that
// allows it; where it is refused the test says why and checks nothing else.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

it('a full disk is one line naming the file, and the run resumes once space is freed', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'tools/full-disk.mjs'), '--sizes', '64k,4m', '--json'], { encoding: 'utf8', timeout: 600_000 });
  if (r.status === 2) {
    console.warn(`full-disk check not run: ${r.stderr.trim()}`);
    return;
  }
  const rows = JSON.parse(r.stdout.trim().split('\n').pop()!) as { size: string; named: boolean; whole: boolean; resumed?: boolean; append?: boolean; line: string }[];
  expect(rows.map((x) => x.size)).toEqual(['64k', '4m', '16k']);
  for (const row of rows.filter((x) => !x.append)) {
    expect(row.line).toMatch(/^agon: train: \/.*: ENOSPC: no space left on device/);
    expect(row).toMatchObject({ named: true, whole: true, resumed: true });
  }
  const append = rows.find((x) => x.append)!;
  expect(append.line).toMatch(/\/samples\.jsonl: ENOSPC: no space left on device/);
  expect(append).toMatchObject({ named: true, whole: true });
}, 600_000);
