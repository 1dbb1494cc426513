import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { UsageError } from '../cli.errors';
import { fileProblem } from './file.errors';

/**
 * A file written aside (`<path>.<random>.part`) and renamed into place only when complete, so an
 * interrupted or failed export never leaves a half-written file under the name asked for.
 */
export class OutputFile {
  private constructor(
    private readonly path: string,
    private readonly partPath: string,
    private readonly stream: WriteStream,
  ) {}

  static async open(path: string): Promise<OutputFile> {
    const partPath = `${path}.${randomBytes(4).toString('hex')}.part`;
    const stream = createWriteStream(partPath, { flags: 'wx' });
    try {
      await once(stream, 'open');
    } catch (error) {
      const why = fileProblem(error, {
        ENOENT: 'its directory does not exist',
        EACCES: 'permission denied',
      });
      throw new UsageError(`cannot write ${path}: ${why}`);
    }
    return new OutputFile(path, partPath, stream);
  }

  async lines(texts: readonly string[]): Promise<void> {
    if (texts.length === 0) return;
    if (!this.stream.write(`${texts.join('\n')}\n`)) await once(this.stream, 'drain');
  }

  /** Flushes, closes and renames the file into place. */
  async commit(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'close');
    await rename(this.partPath, this.path);
  }

  /** Closes and removes what was written. */
  async discard(): Promise<void> {
    if (!this.stream.closed) {
      this.stream.destroy();
      await once(this.stream, 'close').catch(() => undefined);
    }
    await unlink(this.partPath).catch(() => undefined);
  }
}
