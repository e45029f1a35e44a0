// A throwaway MariaDB server from Debian's packages, on loopback, with its own data directory under
// the bench's temporary directory. Installed with apt-get when missing (the machines are Debian and
// the bench runs as root there); when that is not possible the peer comparison is skipped.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import mariadb, { type Pool } from 'mariadb';
import { log } from '../context.js';

const SERVER_CANDIDATES = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld', '/usr/bin/mariadbd'];
const INSTALL_DB_CANDIDATES = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'];

const find = (candidates: string[]): string | undefined => candidates.find((path) => existsSync(path));

/** Installs mariadb-server from Debian's packages when it is missing; returns why not when it cannot. */
export function ensureMariadbInstalled(): { server: string; installDb: string } | { skip: string } {
  let server = find(SERVER_CANDIDATES);
  let installDb = find(INSTALL_DB_CANDIDATES);
  if (server && installDb) return { server, installDb };
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    return { skip: 'MariaDB is not installed and this machine has no apt-get' };
  }
  if (process.getuid?.() !== 0) {
    return {
      skip: 'MariaDB is not installed and installing it needs root (apt-get install -y mariadb-server)',
    };
  }
  log('installing mariadb-server from Debian (apt-get; once per machine)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore', timeout: 300_000 });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'mariadb-server'], {
    env,
    encoding: 'utf8',
    timeout: 900_000,
  });
  server = find(SERVER_CANDIDATES);
  installDb = find(INSTALL_DB_CANDIDATES);
  if (server && installDb) return { server, installDb };
  const why = (install.stderr || install.stdout || '').trim().split('\n').slice(-3).join(' | ');
  return {
    skip: `apt-get install mariadb-server failed (update ${update.status}, install ${install.status}): ${why}`,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface MariadbServer {
  pool: Pool;
  dataDir: string;
  version: string;
  settings: string;
  /** Waits for InnoDB to catch up with the load (see startMariadb); returns what it waited for. */
  settle(maxMs: number): Promise<{ ms: number; pagesBefore: number; pagesAfter: number }>;
  stop(): Promise<void>;
}

/** Dirty pages not yet written plus undo records not yet purged: InnoDB's catch-up work. */
async function backlog(pool: Pool): Promise<number> {
  const rows = (await pool.query(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_buffer_pool_pages_dirty', 'Innodb_history_list_length')",
  )) as { Value: string }[];
  return rows.reduce((n, r) => n + Number(r.Value), 0);
}

/** Below this backlog (about 1.6 MB of pages) InnoDB counts as idle: a trickle never quite stops. */
const IDLE_BACKLOG = 100;

/**
 * Initialises a data directory and starts mariadbd on 127.0.0.1 as the current user. Tuned as a
 * fair peer: a 2 GiB buffer pool, a large redo log, and commits that write the log without an
 * fsync each (ClickHouse does not fsync each insert by default either).
 */
export async function startMariadb(
  binaries: { server: string; installDb: string },
  baseDir: string,
  database: string,
): Promise<MariadbServer> {
  const dataDir = join(baseDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const user = userInfo().username;
  const init = spawnSync(
    binaries.installDb,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--user=${user}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  if (init.status !== 0)
    throw new Error(`mariadb-install-db failed: ${(init.stderr || init.stdout).slice(-600)}`);
  const port = await freePort();
  const socket = join(baseDir, 'mysqld.sock');
  const tuning = [
    '--innodb-buffer-pool-size=2G',
    '--innodb-log-file-size=1G',
    '--innodb-flush-log-at-trx-commit=2',
    '--max-allowed-packet=256M',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    '--default-time-zone=+00:00',
  ];
  const errorLog = join(baseDir, 'error.log');
  const child: ChildProcess = spawn(
    binaries.server,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--user=${user}`,
      `--pid-file=${join(baseDir, 'mysqld.pid')}`,
      `--log-error=${errorLog}`,
      '--skip-name-resolve',
      ...tuning,
    ],
    {
      stdio: [
        'ignore',
        openSync(join(baseDir, 'stdout.log'), 'a'),
        openSync(join(baseDir, 'stderr.log'), 'a'),
      ],
    },
  );
  let exited = false;
  child.once('exit', () => (exited = true));
  const poolConfig = {
    socketPath: socket,
    user: 'root',
    database,
    connectionLimit: 6,
    timezone: '+00:00',
    dateStrings: true,
    bigIntAsNumber: true,
    decimalAsNumber: true,
    insertIdAsNumber: true,
    acquireTimeout: 600_000,
    connectTimeout: 10_000,
  };
  const deadline = Date.now() + 120_000;
  let version = '';
  for (;;) {
    if (exited) {
      const tail = existsSync(errorLog) ? readFileSync(errorLog, 'utf8').slice(-800) : '';
      throw new Error(`mariadbd exited during start: ${tail}`);
    }
    try {
      const connection = await mariadb.createConnection({
        socketPath: socket,
        user: 'root',
        connectTimeout: 2000,
      });
      const [row] = (await connection.query('SELECT VERSION() AS v')) as { v: string }[];
      version = row?.v ?? '';
      await connection.query(`CREATE DATABASE IF NOT EXISTS ${database} CHARACTER SET utf8mb4`);
      await connection.end();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`mariadbd did not answer: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const pool = mariadb.createPool(poolConfig);
  return {
    pool,
    dataDir,
    version,
    settings: tuning.join(' '),
    // After a bulk load InnoDB keeps writing its dirty pages for a long time (at innodb_io_capacity,
    // 200 pages/s by default: minutes for a full buffer pool). The ClickHouse side waits for its
    // merges before the queries; this is the same wait here, with the page cleaner let loose
    // meanwhile and set back after, so neither side's queries are timed during catch-up writes.
    async settle(maxMs) {
      const started = performance.now();
      const saved = (await pool.query(
        "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('innodb_io_capacity', 'innodb_io_capacity_max', 'innodb_max_dirty_pages_pct')",
      )) as { Variable_name: string; Value: string }[];
      const value = (name: string): number => Number(saved.find((v) => v.Variable_name === name)?.Value);
      const pagesBefore = await backlog(pool);
      let pagesAfter = pagesBefore;
      await pool.query('SET GLOBAL innodb_io_capacity_max = 100000');
      await pool.query('SET GLOBAL innodb_io_capacity = 100000');
      await pool.query('SET GLOBAL innodb_max_dirty_pages_pct = 0');
      try {
        while (pagesAfter > IDLE_BACKLOG && performance.now() - started < maxMs) {
          await new Promise((r) => setTimeout(r, 500));
          pagesAfter = await backlog(pool);
        }
      } finally {
        await pool.query(`SET GLOBAL innodb_max_dirty_pages_pct = ${value('innodb_max_dirty_pages_pct')}`);
        await pool.query(`SET GLOBAL innodb_io_capacity = ${value('innodb_io_capacity')}`);
        await pool.query(`SET GLOBAL innodb_io_capacity_max = ${value('innodb_io_capacity_max')}`);
      }
      return { ms: performance.now() - started, pagesBefore, pagesAfter };
    },
    async stop() {
      await pool.end().catch(() => undefined);
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 60_000))]);
        if (!exited) child.kill('SIGKILL');
      }
    },
  };
}
