/**
 * NATS connection flags shared by `agon worker` and `agon train --rollout-server`: credentials
 * from flags, else from `AGON_NATS_*` variables, passed to the client and never printed.
 */
import { credentialsFromEnv, type NatsCredentials } from '@agon/distributed';

/** The flags, in parseArgs' shape. */
export const NATS_FLAGS = {
  'nats-user': { type: 'string' },
  'nats-password': { type: 'string' },
  'nats-token': { type: 'string' },
  'nats-creds': { type: 'string' },
  'nats-nkey': { type: 'string' },
  'nats-tls-ca': { type: 'string' },
  'nats-tls-cert': { type: 'string' },
  'nats-tls-key': { type: 'string' },
} as const;

/** Help lines of {@link NATS_FLAGS}. */
export const NATS_HELP = [
  '  --nats-user U, --nats-password P   NATS user and password (env AGON_NATS_USER, AGON_NATS_PASSWORD;',
  '                                     prefer the environment: flags show in the process list)',
  '  --nats-token T                     NATS token (env AGON_NATS_TOKEN)',
  '  --nats-creds FILE                  NATS .creds file (JWT + nkey seed; env AGON_NATS_CREDS)',
  '  --nats-nkey FILE                   file holding an nkey seed (env AGON_NATS_NKEY)',
  '  --nats-tls-ca FILE, --nats-tls-cert FILE, --nats-tls-key FILE',
  '                                     TLS CA, client certificate and key (env AGON_NATS_TLS_CA, _CERT, _KEY)',
  '  Credentials are passed to the NATS client only; agon never prints or writes them.',
];

/**
 * Credentials from the flags, each falling back to its environment variable.
 *
 * @example
 * ```ts
 * const creds = natsCredentials({ 'nats-creds': 'worker.creds' }, process.env);
 * ```
 */
export function natsCredentials(f: Record<string, string | boolean | undefined>, env: Record<string, string | undefined> = process.env): NatsCredentials {
  const s = (k: keyof typeof NATS_FLAGS) => (typeof f[k] === 'string' && f[k] !== '' ? (f[k] as string) : undefined);
  return credentialsFromEnv({
    ...env,
    ...defined({
      AGON_NATS_USER: s('nats-user'),
      AGON_NATS_PASSWORD: s('nats-password'),
      AGON_NATS_TOKEN: s('nats-token'),
      AGON_NATS_CREDS: s('nats-creds'),
      AGON_NATS_NKEY: s('nats-nkey'),
      AGON_NATS_TLS_CA: s('nats-tls-ca'),
      AGON_NATS_TLS_CERT: s('nats-tls-cert'),
      AGON_NATS_TLS_KEY: s('nats-tls-key'),
    }),
  });
}

const defined = (o: Record<string, string | undefined>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
