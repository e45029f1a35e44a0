// Every collector configuration AuditLens ships is validated by the AuditLens collector
// distribution (`otelcol-auditlens validate`), and the distribution, its Go modules and the
// contrib image docker-compose.yml runs are one collector release.
import { tempDir } from '@auditlens/test-support';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { collectorBinary, REPOSITORY_ROOT } from './testing/binary.js';

const CONFIG_DIR = join(REPOSITORY_ROOT, 'provisioning/otel-collector');
const COLLECTOR_DIR = join(REPOSITORY_ROOT, 'collector');
const TOKENS = { AUDITLENS_COLLECTOR_INGEST_TOKENS: '[token-a, token-b]' };

function run(args: string[], env: Record<string, string> = {}, cwd = REPOSITORY_ROOT) {
  const result = spawnSync(args[0] ?? '', args.slice(1), {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const validate = (file: string, env: Record<string, string> = TOKENS) =>
  run([collectorBinary(), 'validate', `--config=file:${file}`], env);

test('every collector configuration we ship passes `otelcol-auditlens validate`', () => {
  const configs = readdirSync(CONFIG_DIR).filter((name) => /\.ya?ml$/.test(name));
  assert.deepEqual(configs.sort(), ['config.loadbalancing.yaml', 'config.yaml']);
  for (const name of configs) {
    const result = validate(join(CONFIG_DIR, name));
    assert.equal(result.status, 0, `${name}: ${result.output}`);
    // Without the application tokens the configuration does not start open.
    const open = validate(join(CONFIG_DIR, name), { AUDITLENS_COLLECTOR_INGEST_TOKENS: '' });
    assert.notEqual(open.status, 0, `${name} without tokens`);
    assert.match(open.output, /no bearer token provided/);
  }
});

test('validate refuses what the collector would refuse at start (a mistyped key, the dns port as a number)', () => {
  const dir = tempDir('collector-validate');
  try {
    const shipped = readFileSync(join(CONFIG_DIR, 'config.loadbalancing.yaml'), 'utf8');
    for (const [mistake, broken, complaint] of [
      [
        'dns port as a number',
        shipped.replace("port: '4317'", 'port: 4317'),
        /'port' expected type 'string'/,
      ],
      ['mistyped key', shipped.replace('block_on_overflow:', 'block_on_overflows:'), /block_on_overflows/],
    ] as const) {
      assert.notEqual(broken, shipped, mistake);
      const file = join(dir.path, 'broken.yaml');
      writeFileSync(file, broken);
      const result = validate(file);
      assert.notEqual(result.status, 0, mistake);
      assert.match(result.output, complaint, mistake);
    }
  } finally {
    dir.remove();
  }
});

/** go.mod's requirements of the collector's own modules, core and contrib: module → version. */
function collectorModules(): Map<string, string> {
  const goMod = readFileSync(join(COLLECTOR_DIR, 'go.mod'), 'utf8');
  const modules = new Map<string, string>();
  for (const [, path, version] of goMod.matchAll(
    /^\s+((?:go\.opentelemetry\.io\/collector|github\.com\/open-telemetry\/opentelemetry-collector-contrib)\/\S+) (v\S+)/gm,
  )) {
    modules.set(path ?? '', version ?? '');
  }
  return modules;
}

test('one collector release everywhere: every Go module, the binary, and the contrib image in docker-compose.yml', () => {
  const modules = collectorModules();
  const release = modules.get('go.opentelemetry.io/collector/otelcol');
  assert.match(release ?? '', /^v0\.\d+\.0$/, 'otelcol is required');
  // The stable (v1) core modules of that release: the version otelcol's own go.mod requires.
  const otelcolGoMod = run(
    ['go', 'list', '-m', '-f', '{{.GoMod}}', 'go.opentelemetry.io/collector/otelcol'],
    {},
    COLLECTOR_DIR,
  );
  assert.equal(otelcolGoMod.status, 0, otelcolGoMod.output);
  const stable = /^\s+go\.opentelemetry\.io\/collector\/component (v1\.\d+\.\d+)$/m.exec(
    readFileSync(otelcolGoMod.output.trim(), 'utf8'),
  )?.[1];
  assert.ok(stable, 'otelcol’s own go.mod names its component version');
  const contribRelease = (release ?? '').replace(/\.0$/, '.');
  assert.ok(modules.size > 20);
  for (const [path, version] of modules) {
    const expected = path.startsWith('github.com/')
      ? version.startsWith(contribRelease) // contrib: v0.R.x (patch releases of R)
      : version === release || version === stable;
    assert.ok(expected, `${path} ${version} is not of release ${release} / ${stable}`);
  }

  const binaryVersion = run([collectorBinary(), '--version']);
  assert.equal(binaryVersion.output.trim(), `otelcol-auditlens version ${(release ?? '').slice(1)}`);

  const compose = parse(readFileSync(join(REPOSITORY_ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { image?: string }>;
  };
  assert.equal(
    compose.services['otel-collector']?.image,
    `otel/opentelemetry-collector-contrib:${(release ?? '').slice(1)}`,
  );
});

test('the distribution has the components the shipped configurations use, and no others', () => {
  const listed = parse(run([collectorBinary(), 'components']).output) as Record<
    string,
    { name: string; module: string }[]
  >;
  // Each component reports the module go.mod requires, at the version it requires.
  const modules = collectorModules();
  for (const component of Object.values(listed).flatMap((list) => (Array.isArray(list) ? list : []))) {
    const [path, version] = component.module.split(' ');
    assert.equal(modules.get(path ?? ''), version, component.module);
  }
  const names = (kind: string) => (listed[kind] ?? []).map((c) => c.name).sort();
  const used = {
    receivers: new Set<string>(),
    processors: new Set<string>(),
    exporters: new Set<string>(),
    extensions: new Set<string>(),
  };
  for (const name of readdirSync(CONFIG_DIR).filter((n) => /\.ya?ml$/.test(n))) {
    const config = parse(readFileSync(join(CONFIG_DIR, name), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    for (const kind of Object.keys(used) as (keyof typeof used)[]) {
      for (const id of Object.keys(config[kind] ?? {})) used[kind].add(id.split('/')[0] ?? '');
    }
  }
  // The debug exporter is there on purpose: to look at what passes through while diagnosing.
  used.exporters.add('debug');
  for (const kind of Object.keys(used) as (keyof typeof used)[]) {
    assert.deepEqual(names(kind), [...used[kind]].sort(), kind);
  }
});
