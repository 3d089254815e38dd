import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  buildSteps,
  dockerfilePath,
  execForm,
  finalStage,
  IMAGES,
  loadDockerfile,
  type ImageName,
  type Instruction,
} from './support/dockerfile';
import { ROOT, readText } from './support/files';

/**
 * The Dockerfiles read without a Docker engine: what they build and how the image runs. That
 * their build steps work and the result starts is docker-build.test.ts.
 */
const workspaces = ['packages', 'services'].flatMap((parent) =>
  readdirSync(path.join(ROOT, parent))
    .filter((name) => existsSync(path.join(ROOT, parent, name, 'package.json')))
    .map((name) => `${parent}/${name}`),
);

/** The sources of a stage's COPY instructions (without --from), as written. */
function copySources(instructions: Instruction[], stage: string): string[] {
  return instructions
    .filter((i) => i.stage === stage && i.keyword === 'COPY' && !i.args.includes('--from'))
    .flatMap((i) =>
      i.args
        .split(/\s+/)
        .filter((word) => !word.startsWith('--'))
        .slice(0, -1),
    );
}

/**
 * .dockerignore's patterns as Docker reads them, for the subset used here: `**` / `*` globs
 * relative to the context root, and `!` exceptions (the last matching line wins).
 */
function ignoredByDocker(relative: string): boolean {
  const patterns = readText('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const glob = (negated ? pattern.slice(1) : pattern).replace(/\/$/, '');
    const source = glob
      .split('/')
      .map((part) =>
        part === '**'
          ? '(?:.*/)?'
          : `${part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}/`,
      )
      .join('')
      .replace(/\/$/, '');
    // A pattern matches the path itself or any directory above it.
    if (new RegExp(`^${source}(?:/.*)?$`).test(relative)) ignored = !negated;
  }
  return ignored;
}

describe.each(IMAGES)('services/%s/Dockerfile', (image: ImageName) => {
  const instructions = loadDockerfile(image);
  const runtime = finalStage(instructions);
  const inRuntime = (keyword: string) =>
    instructions.filter((i) => i.stage === runtime && i.keyword === keyword);

  it('builds in a separate stage and ships only the bundle it produced', () => {
    const stages = instructions.filter((i) => i.keyword === 'FROM');
    expect(stages.map((i) => i.stage)).toEqual(['build', 'runtime']);
    expect(inRuntime('COPY').map((i) => i.args)).toEqual(['--from=build /out/ /app/']);
  });

  it('builds with scripts/docker/build.sh: deps, compile and bundle of this service', () => {
    expect(buildSteps(instructions)).toEqual([
      ['deps'],
      ['compile', image],
      ['bundle', image, '/out'],
    ]);
  });

  it('copies every workspace manifest before npm ci, and the sources it compiles', () => {
    const sources = copySources(instructions, 'build');
    const needed = [
      'package.json',
      'package-lock.json',
      '.npmrc',
      ...workspaces.map((dir) => `${dir}/package.json`),
      'scripts/docker/',
      'tsconfig.base.json',
      'packages/',
      'services/',
    ];
    expect(needed.filter((source) => !sources.includes(source))).toEqual([]);
    // ...and none of it is left out of the build context.
    expect(sources.filter((source) => ignoredByDocker(source.replace(/\/$/, '')))).toEqual([]);
  });

  it('runs as a numeric non-root user under tini', () => {
    expect(inRuntime('USER').map((i) => i.args)).toEqual(['1000:1000']);
    expect(execForm(inRuntime('ENTRYPOINT')[0]!.args, 'ENTRYPOINT')).toEqual([
      '/usr/bin/tini',
      '--',
    ]);
    expect(inRuntime('RUN').some((i) => /apt-get install .*\btini\b/.test(i.args))).toBe(true);
  });

  it("starts this service's compiled entry point", () => {
    const command = execForm(inRuntime('CMD')[0]!.args, 'CMD');
    expect(command).toEqual(['node', `services/${image}/dist/main.js`]);
    expect(existsSync(path.join(ROOT, `services/${image}/src/main.ts`))).toBe(true);
    expect(inRuntime('WORKDIR').map((i) => i.args)).toEqual(['/app']);
  });

  it('has a HEALTHCHECK', () => {
    expect(inRuntime('HEALTHCHECK')).toHaveLength(1);
    expect(readText(dockerfilePath(image))).toContain('node:20');
  });
});

describe('.dockerignore', () => {
  it.each([
    'node_modules',
    'services/api-service/node_modules',
    'packages/contracts/dist',
    '.git',
    '.env',
    'services/api-service/.env',
    'data',
    'coverage',
  ])('leaves %s out of the build context', (relative) => {
    expect(ignoredByDocker(relative)).toBe(true);
  });

  it.each(['packages/contracts/src/index.ts', 'package-lock.json', 'scripts/docker/build.sh'])(
    'keeps %s in it',
    (relative) => {
      expect(ignoredByDocker(relative)).toBe(false);
    },
  );
});
