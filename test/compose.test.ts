/**
 * Static checks of the production-shaped stack (docker-compose.temporal.yml, Dockerfile):
 * no Docker engine is needed. The Compose Specification's JSON schema comes from the
 * `dclint` package, which ships the current compose-spec schema (draft-07).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { SEARCH_ATTRIBUTE_NAMES, TASK_QUEUES } from '../contracts/shared';
import {
  DYNAMIC_CONFIG,
  HOST_PLACEMENT,
  serverPlacement,
  serviceEnv,
  servicePorts,
  UI_MODULE_VERSION,
} from '../scripts/cluster/cluster';
import {
  commandOf,
  conditionsOf,
  environmentOf,
  imageTag,
  interpolate,
  loadYaml,
  readCompose,
  resolvedService,
} from '../scripts/cluster/compose';
import { NODE_FLAGS } from '../scripts/dev-server';

const ROOT = join(__dirname, '..');
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

const { text: composeText, compose } = readCompose();
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
    const unescaped = composeText
      .replace(/\$\$/g, '')
      .match(/\$(?!\{[A-Za-z_][A-Za-z0-9_]*(:?[-?+][^}]*)?\})\S{0,20}/g);
    expect(unescaped ?? []).toEqual([]);
  });

  it('registers every search attribute of contracts/shared.ts as Keyword', () => {
    const registrar = Object.entries(services).find(([, s]) => commandOf(s).includes('search-attribute create'));
    expect(registrar).toBeDefined();
    const [name, service] = registrar!;
    const command = commandOf(service);
    // The job creates what GIFTFLOW_SEARCH_ATTRIBUTES lists, with the type given there.
    expect(command).toMatch(/for spec in \$GIFTFLOW_SEARCH_ATTRIBUTES/);
    expect(command).toMatch(
      /search-attribute create --namespace "\$TEMPORAL_NAMESPACE" --name "\$name" --type "\$type"/,
    );
    const registered = Object.fromEntries(
      environmentOf(service)
        .GIFTFLOW_SEARCH_ATTRIBUTES.split(/\s+/)
        .filter(Boolean)
        .map((spec) => spec.split('=')),
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
    for (const name of PROVIDER_VARS)
      expect({ [name]: env[name] }).toEqual({ [name]: expect.stringMatching(new RegExp(`^\\$\\{${name}[:?}-]`)) });
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
      const tag = imageTag(service.image);
      expect({ name, tag }).toEqual({ name, tag: expect.stringMatching(/^\d/) });
    }
  });

  it('hard-codes no secret: secret-named variables come from the host with no default', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(environmentOf(service))) {
        if (SECRET_NAME.test(key))
          expect({ service: name, [key]: value }).toEqual({
            service: name,
            [key]: expect.stringMatching(REQUIRED_FROM_HOST),
          });
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
        expect({ name, dependency, condition }).toEqual({
          name,
          dependency,
          condition: expect.stringMatching(/^service_(healthy|completed_successfully)$/),
        });
        if (condition === 'service_healthy')
          expect({ dependency, healthcheck: services[dependency].healthcheck?.test }).toEqual({
            dependency,
            healthcheck: expect.anything(),
          });
      }
    }
    expect(conditionsOf(services.temporal)).toMatchObject({ 'temporal-schema': 'service_completed_successfully' });
    const mounts = (services.postgresql.volumes ?? []).map(String);
    const named = mounts.map((mount) => mount.split(':')).find(([, target]) => target === '/var/lib/postgresql/data');
    expect(named?.[0]).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(named![0]);
  });
});

describe('docker-compose.temporal.yml as the source of `npm run cluster` (scripts/cluster/)', () => {
  const serverTag = imageTag(services.temporal.image)!;

  it('builds temporal-server, temporal-sql-tool and the UI server at the versions the images carry', () => {
    const build = readFileSync(join(ROOT, 'scripts', 'cluster', 'build.sh'), 'utf8');
    // build.sh reads the server version from the temporal service's image line with this pattern.
    const pinned = composeText.match(/^ *image: temporalio\/server:([0-9][0-9.]*)$/m)?.[1];
    expect(pinned).toBe(serverTag);
    // temporal-sql-tool and the schema files come from the server module: admin-tools must be the same release.
    for (const job of ['temporal-schema', 'temporal-namespace', 'temporal-search-attributes'])
      expect({ job, tag: imageTag(services[job].image) }).toEqual({ job, tag: serverTag });
    const uiModule = /^TEMPORAL_UI_MODULE_VERSION=(v\S+)$/m.exec(build)?.[1];
    expect(uiModule).toBe(UI_MODULE_VERSION);
    // The module proxy lacks some patch releases of the UI image: the minor version must agree.
    const minor = (version: string) => version.replace(/^v/, '').split('.').slice(0, 2).join('.');
    expect(minor(UI_MODULE_VERSION)).toBe(minor(imageTag(services['temporal-ui'].image)!));
  });

  it('mounts the dynamic config file that the local cluster points temporal-server at', () => {
    const env = environmentOf(services.temporal);
    const mounts = (services.temporal.volumes ?? []).map((mount) => String(mount).split(':'));
    const mounted = mounts.find(([, target]) => target === env.DYNAMIC_CONFIG_FILE_PATH);
    expect(mounted).toBeDefined();
    expect(resolve(ROOT, mounted![0])).toBe(DYNAMIC_CONFIG);
    expect(loadYaml(readFileSync(DYNAMIC_CONFIG, 'utf8'))).toEqual(
      expect.objectContaining({ 'history.transferProcessorMaxPollRPS': [{ value: 1000 }] }),
    );
  });

  it('runs the server with the compose environment, changing only where things live', async () => {
    const placement = serverPlacement(await servicePorts(0), 55432);
    expect(HOST_PLACEMENT).toEqual(expect.arrayContaining(Object.keys(placement)));
    const hostEnv = { TEMPORAL_DB_PASSWORD: 'placeholder' };
    const composed = resolvedService(compose, 'temporal', hostEnv).env;
    const local = serviceEnv(compose, 'temporal', hostEnv, placement).env;
    // Database plugin, user, password, shard count, log level: as compose sets them.
    const changed = Object.keys(composed).filter((key) => local[key] !== composed[key]);
    expect(changed.sort()).toEqual(['BIND_ON_IP', 'DB_PORT', 'DYNAMIC_CONFIG_FILE_PATH', 'POSTGRES_SEEDS']);
    expect(local).toMatchObject({
      DB: 'postgres12',
      NUM_HISTORY_SHARDS: '4',
      POSTGRES_USER: 'temporal',
      POSTGRES_PWD: 'placeholder',
    });
    expect(placement).toMatchObject({
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: '55432',
      BIND_ON_IP: '127.0.0.1',
      DYNAMIC_CONFIG_FILE_PATH: DYNAMIC_CONFIG,
    });
  });

  it('has set-up jobs that run as plain sh scripts outside their image, with the schema directory overridable', () => {
    for (const job of ['temporal-schema', 'temporal-namespace', 'temporal-search-attributes']) {
      expect({
        job,
        script: typeof resolvedService(compose, job, { TEMPORAL_DB_PASSWORD: 'placeholder' }).script,
      }).toEqual({ job, script: 'string' });
    }
    expect(commandOf(services['temporal-schema'])).toContain(
      'schemas="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}/postgresql/v12"',
    );
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
    expect(/^CMD (.+)$/m.exec(dockerfile)?.[1]).toBe(
      JSON.stringify(['node', ...NODE_FLAGS, '--require', 'tsx/cjs', 'workers/main.ts']).replace(/,/g, ', '),
    );
  });

  it('keeps secrets and host artefacts out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', '.env', '.env.*', '.tools']));
  });
});
