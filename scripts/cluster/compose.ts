/**
 * docker-compose.temporal.yml read as data: the one source of the Temporal cluster's
 * configuration. `npm run cluster` runs its services' environments and set-up scripts on
 * this machine; test/compose.test.ts validates it with the same helpers.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

export const COMPOSE_PATH = path.resolve(__dirname, '..', '..', 'docker-compose.temporal.yml');

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: unknown; disable?: boolean };
  volumes?: unknown[];
  ports?: unknown[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function loadYaml(text: string): unknown {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS();
}

export function readCompose(file = COMPOSE_PATH): { text: string; compose: ComposeFile } {
  const text = readFileSync(file, 'utf8');
  return { text, compose: loadYaml(text) as ComposeFile };
}

/** Compose's interpolation of `$$`, `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:?m}`, `${VAR?m}`, `${VAR:+x}`. */
export function interpolate<T>(value: T, env: Record<string, string | undefined>): T {
  if (typeof value === 'string') {
    const pattern = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}/g;
    return value.replace(pattern, (match, name: string | undefined, op: string | undefined, arg = '') => {
      if (match === '$$') return '$';
      const raw = env[name!];
      const unset = op?.startsWith(':') ? raw === undefined || raw === '' : raw === undefined;
      if (op?.endsWith('?') && unset) throw new Error(`required variable ${name} is missing: ${arg}`);
      if (op?.endsWith('-') && unset) return arg;
      if (op?.endsWith('+')) return unset ? '' : arg;
      return raw ?? '';
    }) as T;
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)])) as T;
  }
  return value;
}

export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** The command as one string with Compose's `$$` escapes undone: what the container's shell sees. */
export function commandOf(service: ComposeService): string {
  return ([] as string[])
    .concat(service.command ?? [])
    .join(' ')
    .replace(/\$\$/g, '$');
}

export function conditionsOf(service: ComposeService): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep.condition ?? 'service_started']));
}

/** The tag of `image` (`temporalio/server:1.31.2` -> `1.31.2`), undefined without one. */
export function imageTag(image: string | undefined): string | undefined {
  return image === undefined ? undefined : /^[^@]+?(?::([^:/@]+))?(?:@sha256:[a-f0-9]{64})?$/.exec(image)?.[1];
}

/**
 * A service as it would run: its environment and its one-shot `sh -c` script after
 * interpolation with `hostEnv` (the variables Compose would take from the host).
 */
export function resolvedService(compose: ComposeFile, name: string, hostEnv: Record<string, string | undefined>) {
  const service = compose.services[name];
  if (!service) throw new Error(`docker-compose.temporal.yml has no service ${name}; scripts/cluster/ runs it`);
  const resolved = interpolate(service, hostEnv);
  const command = ([] as string[]).concat(resolved.command ?? []);
  const entrypoint = ([] as string[]).concat(resolved.entrypoint ?? []);
  const script = entrypoint.join(' ') === '/bin/sh -c' && command.length === 1 ? command[0] : undefined;
  return { env: environmentOf(resolved), script, image: service.image };
}
