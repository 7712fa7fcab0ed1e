// Makes sure the programs the test suite drives for real are installed: redis-server (Redis
// stores, multi-process and failure tests) and Chromium (browser tests). Installs missing ones
// from Debian's packages. Tests start and stop their own instances; nothing is left running.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needed = [
  {
    pkg: 'redis-server',
    // REDIS_SERVER_BIN and CHROMIUM_PATH point the tests at a binary of your own.
    paths: [process.env.REDIS_SERVER_BIN, '/usr/bin/redis-server', '/usr/local/bin/redis-server'],
  },
  { pkg: 'chromium', paths: [process.env.CHROMIUM_PATH, '/usr/bin/chromium'] },
];

const missing = needed.filter((item) => !item.paths.some((path) => path && existsSync(path)));
if (missing.length === 0) process.exit(0);

const packages = missing.map((item) => item.pkg);
console.log(`test services: installing ${packages.join(', ')} from Debian packages`);
const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
const run = (args) => {
  const [cmd, ...rest] = [...asRoot, ...args];
  execFileSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
};
try {
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
} catch (error) {
  console.error(
    `test services: could not install ${packages.join(', ')} (${error.message}). ` +
      'Install them with apt-get (Debian packages redis-server and chromium) and run the tests again.',
  );
  process.exit(1);
}
// Debian's package may start a daemon on the default port; the tests run their own instances.
try {
  execFileSync('sh', [
    '-c',
    'command -v service >/dev/null && service redis-server stop >/dev/null 2>&1 || true',
  ]);
} catch {}
