/**
 * Static checks of the production-shaped stack (docker-compose.temporal.yml, Dockerfile):
 * no Docker engine is needed. The Compose Specification's JSON schema comes from the
 * `dclint` package, which ships the current compose-spec schema (draft-07).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { SEARCH_ATTRIBUTE_NAMES, TASK_QUEUES } from '../contracts/shared';
import { NODE_FLAGS } from '../scripts/dev-server';

const ROOT = join(__dirname, '..');
const COMPOSE_PATH = join(ROOT, 'docker-compose.temporal.yml');
const WORKER = 'giftflow-worker';
/** Host variables the worker needs for the providers (docs/design.md, sandbox contract). */
const PROVIDER_VARS = [
  'FLEXYBOX_CRM_URL',
  'FLEXYBOX_POS_URL',
  'FLEXYBOX_API_URL',
  'FLEXYBOX_TOKEN',
  'CPEXTENDER_URL',
  'SMARTGIFT_URL',
  'PAYWAY_URL',
];
const SECRET_NAME = /(TOKEN|PASSWORD|PWD|SECRET|API_KEY|PRIVATE_KEY|CREDENTIALS?)$/i;
/** `${NAME}` or `${NAME:?message}`: taken from the host, with no default to fall back on. */
const REQUIRED_FROM_HOST = /^\$\{[A-Za-z_][A-Za-z0-9_]*(:?\?[^}]*)?\}$/;

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: unknown; disable?: boolean };
  volumes?: unknown[];
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

function loadYaml(text: string): unknown {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS();
}

function composeValidator(): ValidateFunction {
  const schemaPath = join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  // The compose schema names draft-07 by its https URI; register the draft-07 meta-schema
  // under that URI so Ajv checks the schema itself instead of skipping it.
  const draft07 = require('ajv/dist/refs/json-schema-draft-07.json');
  // strictTypes off: the upstream schema relies on implicit object types and type unions;
  // Ajv's other strict checks (unknown keywords, bad refs) stay on.
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  ajv.addMetaSchema({ ...draft07, $id: schema.$schema });
  return ajv.compile(schema);
}

/** Compose's interpolation of `$$`, `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:?m}`, `${VAR?m}`, `${VAR:+x}`. */
function interpolate<T>(value: T, env: Record<string, string | undefined>): T {
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

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function commandOf(service: Service): string {
  return ([] as string[]).concat(service.command ?? []).join(' ').replace(/\$\$/g, '$');
}

function conditionsOf(service: Service): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep.condition ?? 'service_started']));
}

const composeText = readFileSync(COMPOSE_PATH, 'utf8');
const compose = loadYaml(composeText) as ComposeFile;
const services = compose.services;
/** Every variable the file names with `:?`, set to a placeholder: what an operator must export. */
const requiredVars = [...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g)].map((m) => m[1]);
const hostEnv = Object.fromEntries(requiredVars.map((name) => [name, `placeholder-${name.toLowerCase()}`]));

describe('docker-compose.temporal.yml', () => {
  const validate = composeValidator();

  it('follows the Compose Specification as written and once the host environment is interpolated', () => {
    for (const model of [compose, interpolate(compose, hostEnv)]) {
      const valid = validate(model);
      expect(valid ? 'valid' : new Ajv().errorsText(validate.errors, { separator: '\n' })).toBe('valid');
    }
  });

  it('escapes every shell `$` so that Compose interpolates only ${VAR} references', () => {
    const unescaped = composeText.replace(/\$\$/g, '').match(/\$(?!\{[A-Za-z_][A-Za-z0-9_]*(:?[-?+][^}]*)?\})\S{0,20}/g);
    expect(unescaped ?? []).toEqual([]);
  });

  it('registers every search attribute of contracts/shared.ts as Keyword', () => {
    const registrar = Object.entries(services).find(([, s]) => commandOf(s).includes('search-attribute create'));
    expect(registrar).toBeDefined();
    const [name, service] = registrar!;
    const command = commandOf(service);
    // The job creates what GIFTFLOW_SEARCH_ATTRIBUTES lists, with the type given there.
    expect(command).toMatch(/for spec in \$GIFTFLOW_SEARCH_ATTRIBUTES/);
    expect(command).toMatch(/search-attribute create --namespace "\$TEMPORAL_NAMESPACE" --name "\$name" --type "\$type"/);
    const registered = Object.fromEntries(
      environmentOf(service).GIFTFLOW_SEARCH_ATTRIBUTES.split(/\s+/).filter(Boolean).map((spec) => spec.split('=')),
    );
    const wanted = Object.fromEntries(SEARCH_ATTRIBUTE_NAMES.map((attribute) => [attribute, 'Keyword']));
    expect({ service: name, registered }).toEqual({ service: name, registered: expect.objectContaining(wanted) });
    expect(environmentOf(service).TEMPORAL_NAMESPACE).toBe(environmentOf(services[WORKER]).TEMPORAL_NAMESPACE);
    expect(conditionsOf(services[WORKER])[name]).toBe('service_completed_successfully');
  });

  it('runs the worker on exactly the task queues of contracts/shared.ts', () => {
    const worker = services[WORKER];
    expect(worker).toBeDefined();
    const env = environmentOf(worker);
    expect(env.GIFTFLOW_TASK_QUEUES.split(',').map((queue) => queue.trim())).toEqual(Object.values(TASK_QUEUES));
    expect(env).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default' });
    expect(worker.build).toBeDefined();
    expect(commandOf(worker)).toBe(['node', ...NODE_FLAGS, '--require', 'tsx/cjs', 'workers/main.ts'].join(' '));
  });

  it('passes every provider variable through from the host and refuses to start without the secrets', () => {
    const env = environmentOf(services[WORKER]);
    for (const name of PROVIDER_VARS) expect({ [name]: env[name] }).toEqual({ [name]: expect.stringMatching(new RegExp(`^\\$\\{${name}[:?}-]`)) });
    for (const secret of ['FLEXYBOX_TOKEN', 'TEMPORAL_DB_PASSWORD']) {
      expect(requiredVars).toContain(secret);
      const { [secret]: _omitted, ...rest } = hostEnv;
      expect(() => interpolate(compose, rest)).toThrow(secret);
    }
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image === undefined) {
        expect({ name, build: service.build }).toEqual({ name, build: expect.anything() });
        continue;
      }
      const tag = /^[^@]+?(?::([^:/@]+))?(?:@sha256:[a-f0-9]{64})?$/.exec(service.image)?.[1];
      expect({ name, tag }).toEqual({ name, tag: expect.stringMatching(/^\d/) });
    }
  });

  it('hard-codes no secret: secret-named variables come from the host with no default', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(environmentOf(service))) {
        if (SECRET_NAME.test(key)) expect({ service: name, [key]: value }).toEqual({ service: name, [key]: expect.stringMatching(REQUIRED_FROM_HOST) });
      }
    }
    const literals = [
      /\bsk_[A-Za-z0-9]{6,}/g, // Smart Gift secret keys
      /Bearer\s+[A-Za-z0-9._~+/-]{6,}/gi,
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/g,
      /:\/\/[^\s:/@]+:[^\s@/]+@/g, // credentials inside a URL
      /--(password|pw)[= ]/g,
    ];
    const found = literals.flatMap((pattern) => composeText.match(pattern) ?? []);
    const tokenLike = (composeText.match(/[A-Za-z0-9+/=_-]{24,}/g) ?? []).filter(
      (word) => /\d/.test(word) && /[a-z]/.test(word) && /[A-Z]/.test(word),
    );
    expect([...found, ...tokenLike]).toEqual([]);
  });

  it('starts each service only after what it needs is healthy or done, and keeps PostgreSQL in a named volume', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, condition] of Object.entries(conditionsOf(service))) {
        expect({ name, dependency, exists: dependency in services }).toEqual({ name, dependency, exists: true });
        expect({ name, dependency, condition }).toEqual({ name, dependency, condition: expect.stringMatching(/^service_(healthy|completed_successfully)$/) });
        if (condition === 'service_healthy') expect({ dependency, healthcheck: services[dependency].healthcheck?.test }).toEqual({ dependency, healthcheck: expect.anything() });
      }
    }
    expect(conditionsOf(services.temporal)).toMatchObject({ 'temporal-schema': 'service_completed_successfully' });
    const mounts = (services.postgresql.volumes ?? []).map(String);
    const named = mounts.map((mount) => mount.split(':')).find(([, target]) => target === '/var/lib/postgresql/data');
    expect(named?.[0]).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(named![0]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('builds on a pinned Node 20 slim image, installs with npm ci and runs the worker as a non-root user', () => {
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(base).toMatch(/^node:20\.\d+\.\d+-[a-z]+-slim$/);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\}$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(/^CMD (.+)$/m.exec(dockerfile)?.[1]).toBe(JSON.stringify(['node', ...NODE_FLAGS, '--require', 'tsx/cjs', 'workers/main.ts']).replace(/,/g, ', '));
  });

  it('keeps secrets and host artefacts out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', '.env', '.env.*', '.tools']));
  });
});
