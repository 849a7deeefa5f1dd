/**
 * Connecting to NATS with the user's credentials. Credentials pass through to the client and are
 * never logged: error messages name the server with any `user:password@` removed.
 */
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nkeyAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';

/**
 * How to authenticate to the NATS server. All optional; give what the server asks for.
 *
 * @example
 * ```ts
 * const creds: NatsCredentials = { credsFile: '/etc/agon/worker.creds', tls: { caFile: 'ca.pem' } };
 * ```
 */
export interface NatsCredentials {
  user?: string;
  password?: string;
  token?: string;
  /** A NATS `.creds` file (user JWT and nkey seed). */
  credsFile?: string;
  /** A file holding an nkey seed (`SU…`). */
  nkeySeedFile?: string;
  /** TLS: a CA to trust, and a client certificate and key when the server wants one. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/**
 * Reads credentials from the environment: `AGON_NATS_USER`, `AGON_NATS_PASSWORD`,
 * `AGON_NATS_TOKEN`, `AGON_NATS_CREDS` (file), `AGON_NATS_NKEY` (seed file), `AGON_NATS_TLS_CA`,
 * `AGON_NATS_TLS_CERT`, `AGON_NATS_TLS_KEY`.
 *
 * @example
 * ```ts
 * const creds = { ...credentialsFromEnv(), ...fromFlags }; // flags win
 * ```
 */
export function credentialsFromEnv(env: Record<string, string | undefined> = process.env): NatsCredentials {
  const c: NatsCredentials = {};
  const set = <K extends keyof NatsCredentials>(k: K, v: NatsCredentials[K] | undefined) => {
    if (v !== undefined && v !== '') c[k] = v;
  };
  set('user', env['AGON_NATS_USER']);
  set('password', env['AGON_NATS_PASSWORD']);
  set('token', env['AGON_NATS_TOKEN']);
  set('credsFile', env['AGON_NATS_CREDS']);
  set('nkeySeedFile', env['AGON_NATS_NKEY']);
  const tls = { caFile: env['AGON_NATS_TLS_CA'], certFile: env['AGON_NATS_TLS_CERT'], keyFile: env['AGON_NATS_TLS_KEY'] };
  const given = Object.fromEntries(Object.entries(tls).filter(([, v]) => v)) as NatsCredentials['tls'];
  if (given && Object.keys(given).length) c.tls = given;
  return c;
}

/**
 * A server URL safe to print: any `user:password@` is removed.
 *
 * @example
 * ```ts
 * redactUrl('nats://me:secret@host:4222'); // 'nats://host:4222'
 * ```
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^@/]*@/i, '$1');
}

/**
 * Connects to `server` (`nats://HOST:PORT`, `tls://…`). A server that cannot be reached or that
 * refuses the credentials throws one line naming the server (never the credentials). Once
 * connected, the client reconnects forever (a restarted server is picked up again).
 *
 * @example
 * ```ts
 * const nc = await connectNats('nats://127.0.0.1:4222', credentialsFromEnv(), { name: 'agon worker' });
 * await nc.close();
 * ```
 */
export async function connectNats(server: string, creds: NatsCredentials = {}, opts: { name?: string; timeoutMs?: number } = {}): Promise<NatsConnection> {
  const where = redactUrl(server);
  const options: NodeConnectionOptions = {
    servers: server,
    name: opts.name ?? 'agon',
    timeout: opts.timeoutMs ?? 5000,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  };
  if (creds.user !== undefined) options.user = creds.user;
  if (creds.password !== undefined) options.pass = creds.password;
  if (creds.token !== undefined) options.token = creds.token;
  if (creds.credsFile) options.authenticator = credsAuthenticator(readSecret(creds.credsFile, 'credentials file'));
  else if (creds.nkeySeedFile) {
    // A seed file written by `nk -gen user > FILE` or an editor ends with a newline the decoder refuses.
    const seed = readSecret(creds.nkeySeedFile, 'nkey seed file');
    let end = seed.length;
    while (end > 0 && /\s/.test(String.fromCharCode(seed[end - 1]))) end--;
    options.authenticator = nkeyAuthenticator(seed.subarray(0, end));
  }
  if (creds.tls) options.tls = { ...creds.tls };
  try {
    return await connect(options);
  } catch (e) {
    const err = e as Error & { code?: string };
    const text = `${err.name ?? ''} ${err.message ?? ''} ${err.code ?? ''}`;
    if (/auth/i.test(text)) throw new Error(`the NATS server at ${where} refused the credentials (check user/password, token, nkey or creds file)`);
    throw new Error(`cannot reach the NATS server at ${where}: ${oneLine(err.message || String(e))} (is nats-server running? e.g. nats-server -js -sd DIR)`);
  }
}

function readSecret(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new Error(`${file}: cannot read the NATS ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const oneLine = (s: string) => s.split('\n')[0];
