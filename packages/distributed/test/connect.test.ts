import { connectNats, credentialsFromEnv, redactUrl } from '@agon/distributed';
import { freePort, startNatsServer, type TestNatsServer } from '@agon/distributed/testing';

describe('connectNats', () => {
  let server: TestNatsServer;
  beforeAll(async () => {
    server = await startNatsServer({ args: ['--user', 'agon', '--pass', 's3cret-pw'] });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('connects with user and password and round-trips a message', async () => {
    const nc = await connectNats(server.url, { user: 'agon', password: 's3cret-pw' });
    try {
      const sub = nc.subscribe('t.echo', { max: 1 });
      nc.publish('t.echo', 'hello');
      for await (const m of sub) expect(m.string()).toBe('hello');
    } finally {
      await nc.close();
    }
  });

  it('names the server, never the password, when the credentials are refused', async () => {
    const url = server.url.replace('nats://', 'nats://agon:wrong-pw@');
    const err = await connectNats(url).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`the NATS server at ${server.url} refused the credentials (check user/password, token, nkey or creds file)`);
    const err2 = (await connectNats(server.url, { user: 'agon', password: 'not-it' }).catch((e: Error) => e)) as Error;
    expect(err2.message).not.toContain('not-it');
    expect(err2.message).toContain('refused the credentials');
  });

  it('says in one line that an unreachable server cannot be reached', async () => {
    const port = await freePort();
    const err = (await connectNats(`nats://127.0.0.1:${port}`, {}, { timeoutMs: 2000 }).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(new RegExp(`^cannot reach the NATS server at nats://127\\.0\\.0\\.1:${port}: .+ \\(is nats-server running\\? e\\.g\\. nats-server -js -sd DIR\\)$`));
    expect(err.message).not.toContain('\n');
  });

  it('reads credentials from the environment and redacts URLs', () => {
    expect(credentialsFromEnv({ AGON_NATS_USER: 'u', AGON_NATS_PASSWORD: 'p', AGON_NATS_TLS_CA: 'ca.pem', AGON_NATS_TOKEN: '' })).toEqual({ user: 'u', password: 'p', tls: { caFile: 'ca.pem' } });
    expect(credentialsFromEnv({})).toEqual({});
    expect(redactUrl('nats://me:secret@host:4222')).toBe('nats://host:4222');
    expect(redactUrl('tls://host:4222')).toBe('tls://host:4222');
  });
});

describe('connectNats with an nkey', () => {
  // A user nkey made for this test (the public key goes to the server, the seed to the client).
  const SEED = 'SUAB7L7KM7S23AYW2IMS43TRUTDDP754ZRHPNE44DYJELY352YS2WXFNJM';
  const PUBLIC = 'UDTP2PELKUUGAVFKU5M4HMY7JTK26Z54XLZBT7AMJTNFQV25GI7GSDKR';

  it('signs in with a seed file that ends with a newline, and is refused without it', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'agon-nkey-'));
    await writeFile(join(dir, 'server.conf'), `authorization { users: [ { nkey: ${PUBLIC} } ] }\n`);
    await writeFile(join(dir, 'user.nk'), `${SEED}\n`);
    const server = await startNatsServer({ args: ['-c', join(dir, 'server.conf')] });
    try {
      // Signing runs tweetnacl in pure JS: slow inside jest's module VM (about 1 s, more when cold).
      const nc = await connectNats(server.url, { nkeySeedFile: join(dir, 'user.nk') }, { timeoutMs: 30_000 });
      await nc.flush();
      await nc.close();
      const err = (await connectNats(server.url).catch((e: Error) => e)) as Error;
      expect(err.message).toContain('refused the credentials');
      expect(err.message).not.toContain(SEED);
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('startNatsServer', () => {
  it('restarts on the same port with the same store, and stop removes the store', async () => {
    const { existsSync } = await import('node:fs');
    const server = await startNatsServer();
    const first = server.pid;
    await server.restart();
    expect(server.pid).not.toBe(first);
    const nc = await connectNats(server.url);
    await nc.close();
    await server.stop();
    expect(existsSync(server.storeDir)).toBe(false);
  });
});
