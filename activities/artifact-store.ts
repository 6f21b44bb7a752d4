/**
 * Where activities keep binary artifacts (gift-card certificates) so that only a reference
 * travels through workflow history. The interface is what an object store (S3, GCS, Azure
 * Blob) would implement later; today's implementation is a local directory.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What a workflow keeps about a stored artifact. */
export interface ArtifactReference {
  /** Opaque, store-specific reference, e.g. `local:cpextender/WEB-1.jpg`. */
  ref: string;
  contentType: string;
  bytes: number;
  sha256: string;
}

export interface ArtifactStore {
  /** Stores `bytes` under `key` (a relative, slash-separated name); storing the same key again replaces it. */
  put(key: string, bytes: Buffer, contentType: string): Promise<ArtifactReference>;
  /** Reads an artifact back by the reference `put` returned. */
  get(ref: string): Promise<{ bytes: Buffer; contentType: string }>;
}

const LOCAL = 'local:';
const KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** An ArtifactStore in a directory: `<dir>/<key>` holds the bytes, `<dir>/<key>.meta.json` the content type. */
export class LocalDirectoryArtifactStore implements ArtifactStore {
  private readonly root: string;

  constructor(dir: string) {
    this.root = path.resolve(dir);
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<ArtifactReference> {
    const file = this.fileFor(key);
    await mkdir(path.dirname(file), { recursive: true });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // Write-then-rename: a reader (or a retried activity) never sees half a file.
    await writeAtomically(`${file}.meta.json`, JSON.stringify({ contentType, sha256 }));
    await writeAtomically(file, bytes);
    return { ref: `${LOCAL}${key}`, contentType, bytes: bytes.length, sha256 };
  }

  async get(ref: string): Promise<{ bytes: Buffer; contentType: string }> {
    if (!ref.startsWith(LOCAL))
      throw new Error(`artifact reference '${ref}' does not belong to the local artifact store`);
    const file = this.fileFor(ref.slice(LOCAL.length));
    const [bytes, meta] = await Promise.all([readFile(file), readFile(`${file}.meta.json`, 'utf8')]);
    return { bytes, contentType: (JSON.parse(meta) as { contentType: string }).contentType };
  }

  private fileFor(key: string): string {
    if (!KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..')) {
      throw new Error(`artifact key '${key}' must be slash-separated names of letters, digits, '.', '_' and '-'`);
    }
    return path.join(this.root, ...key.split('/'));
  }
}

/** The artifact store configured by GIFTFLOW_ARTIFACTS_DIR. */
export function createArtifactStore(config: { artifactsDir: string }): ArtifactStore {
  return new LocalDirectoryArtifactStore(config.artifactsDir);
}

async function writeAtomically(file: string, data: Buffer | string): Promise<void> {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, file);
}
