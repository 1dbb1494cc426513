import { readFile } from 'node:fs/promises';
import { UsageError } from '../cli.errors';
import { fileProblem } from './file.errors';

/** The whole input file (`-`: standard input), or a usage error naming what is wrong with the path. */
export async function readInput(path: string): Promise<Buffer> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(path);
  } catch (error) {
    const why = fileProblem(error, {
      ENOENT: 'no such file',
      EISDIR: 'it is a directory',
      EACCES: 'permission denied',
    });
    throw new UsageError(`cannot read ${path}: ${why}`);
  }
}
