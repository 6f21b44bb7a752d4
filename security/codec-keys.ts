/**
 * Where the payload codec's keys come from: `GIFTFLOW_CODEC_KEYS` (`id:base64key` pairs,
 * comma- or newline-separated) or the file named by `GIFTFLOW_CODEC_KEYS_FILE`, with
 * `GIFTFLOW_CODEC_ACTIVE_KEY` naming the key that encrypts (default: the first listed).
 * Production (`GIFTFLOW_ENV=production`) refuses to run without keys unless
 * `GIFTFLOW_CODEC=off` says encryption is deliberately disabled, and refuses the
 * development key that `npm start` writes (its file, or any key ID starting `dev-`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { ConfigError, isProduction } from '../config';
import { AesGcmPayloadCodec, type CodecKey } from './payload-codec';

/** The local development key written by `npm start` (git-ignored). */
export const DEV_KEY_FILE = path.resolve(__dirname, '..', '.data', 'codec-keys');

const PRODUCTION_KEY_HINT =
  'generate a key (echo "k2026:$(openssl rand -base64 32)") and set GIFTFLOW_CODEC_KEYS or GIFTFLOW_CODEC_KEYS_FILE';

export interface CodecSettings {
  keys: CodecKey[];
  activeKeyId: string;
}

/** The codec keys configured in `env`, or null when encryption is off; ConfigError when misconfigured. */
export function loadCodecSettings(env: NodeJS.ProcessEnv = process.env): CodecSettings | null {
  const problems: string[] = [];
  let listed = env.GIFTFLOW_CODEC_KEYS ?? '';
  // Outside production, the key `npm start` generated lets every local tool (CLI, tests run
  // by hand) read the local stack's orders without extra configuration.
  const production = isProduction(env);
  const keyFile =
    env.GIFTFLOW_CODEC_KEYS_FILE || (!listed && !production && existsSync(DEV_KEY_FILE) ? DEV_KEY_FILE : '');
  // That key sits unprotected in a working copy: production must not encrypt with it or trust it.
  if (production && keyFile && path.resolve(keyFile) === DEV_KEY_FILE) {
    problems.push(
      `GIFTFLOW_CODEC_KEYS_FILE: ${keyFile} is the development key file written by npm start, refused with GIFTFLOW_ENV=production; ${PRODUCTION_KEY_HINT}`,
    );
  } else if (keyFile) {
    try {
      listed += `\n${readFileSync(keyFile, 'utf8')}`;
    } catch (error) {
      problems.push(`GIFTFLOW_CODEC_KEYS_FILE: cannot read ${keyFile} (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  const keys: CodecKey[] = [];
  for (const entry of listed
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [id, material] = entry.split(':', 2);
    const key = material ? Buffer.from(material, 'base64') : Buffer.alloc(0);
    if (!id || !/^[\w.-]+$/.test(id))
      problems.push(`GIFTFLOW_CODEC_KEYS: an entry has no key ID before ':' (expected id:base64key)`);
    else if (key.length !== 32)
      problems.push(`GIFTFLOW_CODEC_KEYS: key '${id}' must be 32 bytes of base64 (got ${key.length})`);
    else if (production && id.startsWith('dev-'))
      problems.push(
        `GIFTFLOW_CODEC_KEYS: key '${id}' is a development key (npm start names its keys dev-<date>), refused with GIFTFLOW_ENV=production; ${PRODUCTION_KEY_HINT}`,
      );
    else keys.push({ id, key });
  }

  const off = env.GIFTFLOW_CODEC === 'off';
  if (off && keys.length === 0) return null;
  if (!off && keys.length === 0 && problems.length === 0) {
    if (env.GIFTFLOW_ENV === 'production') {
      problems.push(
        'GIFTFLOW_CODEC_KEYS: required in production (customer data would be stored unencrypted); set GIFTFLOW_CODEC_KEYS or GIFTFLOW_CODEC_KEYS_FILE, or GIFTFLOW_CODEC=off to run without encryption deliberately',
      );
    } else {
      return null;
    }
  }
  const activeKeyId = env.GIFTFLOW_CODEC_ACTIVE_KEY || keys[0]?.id;
  if (keys.length && !keys.some((k) => k.id === activeKeyId)) {
    problems.push(
      `GIFTFLOW_CODEC_ACTIVE_KEY: '${activeKeyId}' is not among the keys (${keys.map((k) => k.id).join(', ')})`,
    );
  }
  if (problems.length) throw ConfigError.of(problems, 'invalid codec configuration');
  return off ? null : { keys, activeKeyId: activeKeyId! };
}

/**
 * The data converter every giftflow process uses: payloads encrypted when keys are configured,
 * and failure messages and stack traces always carried as a payload (security/failure-converter.ts),
 * so the codec encrypts them too. Always, not only with keys: the workflow bundle is built without
 * the environment and encodes them anyway, and clients decode both forms.
 */
export async function createDataConverter(env: NodeJS.ProcessEnv = process.env): Promise<DataConverter> {
  const failureConverterPath = require.resolve('./failure-converter');
  const settings = loadCodecSettings(env);
  if (!settings) return { failureConverterPath };
  return {
    failureConverterPath,
    payloadCodecs: [await AesGcmPayloadCodec.create(settings.keys, settings.activeKeyId)],
  };
}

/**
 * For local runs: a key file under `.data/`, created once, so orders placed with `npm start`
 * stay readable across restarts. Returns whether it was just created.
 */
export function ensureDevKeyFile(): { file: string; created: boolean } {
  const file = DEV_KEY_FILE;
  if (existsSync(file)) return { file, created: false };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `dev-${new Date().toISOString().slice(0, 10)}:${randomBytes(32).toString('base64')}\n`, {
    mode: 0o600,
  });
  return { file, created: true };
}
