/**
 * The project's own import graph, read from the sources with the TypeScript parser: no module
 * imports itself through others (type-only imports count: a cycle of types is still two files
 * that cannot be read apart), and workflow code stays deterministic and light — no module under
 * workflows/, nor one a workflow imports at runtime, imports a Node built-in, zod, undici or fastify.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
/** The project's source folders: tsconfig.json's, and the two it compiles through imports. */
const FOLDERS = [
  'bin',
  'contracts',
  'config',
  'workflows',
  'activities',
  'workers',
  'client',
  'sandbox',
  'scripts',
  'test',
  'observability',
  'security',
];
/** Packages that must never reach the workflow bundle (Node built-ins are checked apart). */
const BANNED_IN_WORKFLOWS = ['zod', 'undici', 'fastify'];

interface Import {
  specifier: string;
  /** Erased at compile time: `import type`, `export type`, or only `type` names. */
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const found: Import[] = [];
  source.forEachChild((node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named =
        clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const onlyTypeNames =
        !!named && named.length > 0 && !clause?.name && named.every((element) => element.isTypeOnly);
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: !!clause?.isTypeOnly || onlyTypeNames });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      const onlyTypeNames = !!named && named.length > 0 && named.every((element) => element.isTypeOnly);
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || onlyTypeNames });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    }
  });
  return found;
}

/** The project file a relative specifier names, or undefined for a package or a non-TypeScript file. */
function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate));
}

const rel = (file: string) => path.relative(ROOT, file);
const isBuiltin = (specifier: string) =>
  specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]);
const packageOf = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];

const FILES = FOLDERS.flatMap((folder) => sourceFiles(path.join(ROOT, folder)));
const GRAPH = new Map(
  FILES.map((file) => [
    file,
    importsOf(file).map((imported) => ({ ...imported, local: resolveLocal(file, imported.specifier) })),
  ]),
);

type Graph = Map<string, { local?: string }[]>;

/** Every cycle's files, one per strongly connected component of more than one file (or a self-import). */
function cycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const { local } of graph.get(file) ?? []) {
      if (!local || !graph.has(local)) continue;
      if (!index.has(local)) {
        visit(local);
        low.set(file, Math.min(low.get(file)!, low.get(local)!));
      } else if (onStack.has(local)) {
        low.set(file, Math.min(low.get(file)!, index.get(local)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      const selfImport = graph.get(file)!.some(({ local }) => local === file);
      if (component.length > 1 || selfImport) found.push(component.map(rel).sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

type ImportGraph = Map<string, (Import & { local?: string })[]>;

/** Every module the workflow bundle evaluates: workflows/ and what it imports at runtime, transitively. */
function workflowModules(graph: ImportGraph): Set<string> {
  const reached = new Set<string>();
  const pending = [...graph.keys()].filter((file) => rel(file).startsWith(`workflows${path.sep}`));
  while (pending.length) {
    const file = pending.pop()!;
    if (reached.has(file)) continue;
    reached.add(file);
    for (const { local, typeOnly } of graph.get(file) ?? []) if (local && !typeOnly) pending.push(local);
  }
  return reached;
}

/** `<file> imports <package>` for every banned runtime import of a module workflow code evaluates. */
function workflowOffences(graph: ImportGraph): string[] {
  return [...workflowModules(graph)].flatMap((file) =>
    graph
      .get(file)!
      .filter(
        ({ specifier, typeOnly }) =>
          !typeOnly && (isBuiltin(specifier) || BANNED_IN_WORKFLOWS.includes(packageOf(specifier))),
      )
      .map(({ specifier }) => `${rel(file)} imports ${specifier}`),
  );
}

describe('the import graph', () => {
  test('reads the whole project, so a cycle anywhere would be seen', () => {
    expect(FILES.length).toBeGreaterThan(100);
    expect(
      GRAPH.get(path.join(ROOT, 'client', 'index.ts'))!.some(
        ({ local }) => local && rel(local) === path.join('client', 'orders.ts'),
      ),
    ).toBe(true);
  });

  test('finds a cycle and names its files', () => {
    const at = (name: string) => path.join(ROOT, name);
    const graph: Graph = new Map([
      [at('a.ts'), [{ local: at('b.ts') }]],
      [at('b.ts'), [{ local: at('c.ts') }, { local: undefined }]],
      [at('c.ts'), [{ local: at('a.ts') }]],
      [at('d.ts'), [{ local: at('a.ts') }]],
    ]);
    expect(cycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  test('has no import cycle, type-only imports included', () => {
    const named = cycles(GRAPH).map((files) => `cycle: ${files.join(' <-> ')}`);
    expect(named).toEqual([]);
  });

  test('finds a banned import reached at runtime from workflow code, and not one behind import type', () => {
    const at = (name: string) => path.join(ROOT, name);
    const graph: ImportGraph = new Map([
      [
        at('workflows/a.ts'),
        [
          { specifier: '../lib/b', typeOnly: false, local: at('lib/b.ts') },
          { specifier: '../lib/c', typeOnly: true, local: at('lib/c.ts') },
        ],
      ],
      [
        at('lib/b.ts'),
        [
          { specifier: 'zod', typeOnly: false },
          { specifier: 'fs', typeOnly: false },
          { specifier: 'undici', typeOnly: true },
        ],
      ],
      [at('lib/c.ts'), [{ specifier: 'fastify', typeOnly: false }]],
    ]);
    expect(workflowOffences(graph)).toEqual([
      `${path.join('lib', 'b.ts')} imports zod`,
      `${path.join('lib', 'b.ts')} imports fs`,
    ]);
  });

  test('keeps Node built-ins, zod, undici and fastify out of every module workflow code evaluates', () => {
    expect([...workflowModules(GRAPH)].map(rel)).toEqual(
      expect.arrayContaining([path.join('workflows', 'index.ts'), path.join('contracts', 'shared.ts')]),
    );
    expect(workflowOffences(GRAPH)).toEqual([]);
  });
});
