// Import boundaries between folders (docs/ARCHITECTURE.md, "Folders and who may import whom"). Biome has no per-folder "may not import" rule that understands
// relative paths, so this small check walks the sources and resolves each import against the folder it lands in.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

type Rule = {
  from: string;
  forbidFolders: string[];
  forbidBuiltins?: boolean;
  /** npm packages the folder may not import, except in the subfolders of `packagesAllowedIn` */
  forbidPackages?: string[];
  packagesAllowedIn?: string[];
};
const rules: Rule[] = [
  // main/ is the client's own: its Electron shell alone talks to Electron, so the services, the sync engine, the
  // exports and the browser shell run in plain Node (the worker thread, the tests, the browser shell)
  {
    from: 'main',
    forbidFolders: ['renderer', 'server', 'db', 'scripts', 'test'],
    forbidPackages: ['electron'],
    packagesAllowedIn: ['main/electron'],
  },
  { from: 'renderer', forbidFolders: ['main', 'server', 'db'], forbidBuiltins: true },
  { from: 'server', forbidFolders: ['renderer', 'main', 'preload'] },
  {
    from: 'domain',
    forbidFolders: ['main', 'server', 'db', 'renderer', 'preload', 'test', 'scripts'],
    forbidBuiltins: true,
  },
  { from: 'preload', forbidFolders: ['server', 'db', 'renderer'] },
];

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const importRe =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
const problems: string[] = [];
for (const rule of rules) {
  const base = join(root, rule.from);
  let files: string[] = [];
  try {
    files = walk(base);
  } catch {
    continue;
  }
  for (const file of files) {
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec) continue;
      const where = relative(root, file);
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), spec));
        const top = target.split(sep)[0] ?? '';
        if (rule.forbidFolders.includes(top))
          problems.push(`${where}: imports ${spec} (${rule.from}/ may not import ${top}/)`);
      } else if (rule.forbidBuiltins && builtins.has(spec)) {
        problems.push(`${where}: imports Node built-in ${spec} (${rule.from}/ runs without Node)`);
      } else if (
        rule.forbidPackages?.some((p) => spec === p || spec.startsWith(`${p}/`)) &&
        !rule.packagesAllowedIn?.some((dir) => where.startsWith(`${dir}${sep}`))
      ) {
        problems.push(`${where}: imports ${spec} (only ${rule.packagesAllowedIn?.join(', ')} may)`);
      }
    }
  }
}
if (problems.length) {
  console.error(`Import boundary violations:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('import boundaries: ok');
