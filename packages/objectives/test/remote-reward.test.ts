import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Interaction } from '@agon/core';
import { remoteReward, RemoteRewardStopped } from '@agon/objectives';

type Handler = (body: { items: { query: string; answer: string; queryIndex: number; answerIndex: number }[] }, res: ServerResponse, req: IncomingMessage) => void;

/** A real HTTP server on 127.0.0.1 (port chosen by the OS) whose n-th request is answered by handlers[n] (the last one repeats). */
async function serve(handlers: Handler[]): Promise<{ url: string; requests: number; close: () => Promise<void>; server: Server }> {
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const h = handlers[Math.min(state.requests, handlers.length - 1)];
      state.requests += 1;
      h(JSON.parse(raw), res, req);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/reward`,
    get requests() {
      return state.requests;
    },
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const ok: Handler = (body, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  // The service's reward: answer length, null for empty answers ("not applicable").
  res.end(JSON.stringify({ rewards: body.items.map((x) => (x.answer ? x.answer.length : null)) }));
};
const hang: Handler = () => {
  /* never answers: the client must time out */
};
const fail500: Handler = (_b, res) => {
  res.writeHead(500);
  res.end('internal error');
};
const malformed: Handler = (_b, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"rewards": [1, 2');
};

const batch: Interaction[] = ['one', 'three', '', 'seven!!'].map((answer, k) => ({ query: 'q', answer, queryIndex: 0, answerIndex: k }));

describe('remoteReward against a real local server', () => {
  it('survives a timeout, a 500 and malformed JSON, then gets the rewards', async () => {
    const srv = await serve([hang, fail500, malformed, ok]);
    try {
      const sleeps: number[] = [];
      const reward = remoteReward({
        url: srv.url,
        timeoutMs: 300,
        retries: 3,
        backoffMs: 5,
        sleep: async (ms) => void sleeps.push(ms),
      });
      expect(await reward(batch)).toEqual([3, 5, null, 7]);
      expect(srv.requests).toBe(4);
      expect(sleeps).toEqual([5, 10, 20]); // exponential back-off between the four attempts
    } finally {
      await srv.close();
    }
  });

  it('gives a clear error naming the URL and the last failure once the retries are spent', async () => {
    const srv = await serve([hang, fail500]);
    try {
      const reward = remoteReward({ url: srv.url, timeoutMs: 300, retries: 2, backoffMs: 1 });
      await expect(reward(batch)).rejects.toThrow(`remoteReward ${srv.url}: failed after 3 attempts; last error: HTTP 500: internal error`);
      expect(srv.requests).toBe(3);
      const stalled = await serve([hang]);
      try {
        await expect(remoteReward({ url: stalled.url, timeoutMs: 200, retries: 0 })(batch)).rejects.toThrow('failed after 1 attempt; last error: no reply within 200 ms (timeoutMs)');
      } finally {
        await stalled.close();
      }
    } finally {
      await srv.close();
    }
  });

  it('reports each retry to onRetry, with its cause', async () => {
    const srv = await serve([fail500, malformed, ok]);
    try {
      const retries: unknown[] = [];
      const reward = remoteReward({ url: srv.url, retries: 3, backoffMs: 1, onRetry: (r) => void retries.push(r) });
      expect(await reward(batch)).toEqual([3, 5, null, 7]);
      expect(retries).toEqual([
        { url: srv.url, attempt: 1, error: 'HTTP 500: internal error', waitMs: 1 },
        { url: srv.url, attempt: 2, error: expect.stringMatching(/^reply is not JSON/), waitMs: 2 },
      ]);
    } finally {
      await srv.close();
    }
  });

  it('a refused connection names the URL and the cause, not only "fetch failed"', async () => {
    const srv = await serve([ok]);
    const url = srv.url;
    await srv.close(); // nothing listens on the port any more
    await expect(remoteReward({ url, retries: 1, backoffMs: 1 })(batch)).rejects.toThrow(
      new RegExp(`^remoteReward ${url.replace(/[.]/g, '\\.')}: failed after 2 attempts; last error: request failed: fetch failed: .*ECONNREFUSED`),
    );
  });

  it('an aborted signal stops a hung request and the back-off at once', async () => {
    const srv = await serve([hang]);
    try {
      const stop = new AbortController();
      const reward = remoteReward({ url: srv.url, timeoutMs: 60_000, retries: 5, signal: stop.signal });
      const t0 = Date.now();
      setTimeout(() => stop.abort(), 100);
      await expect(reward(batch)).rejects.toThrow(RemoteRewardStopped);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(srv.requests).toBe(1);
    } finally {
      await srv.close();
    }
  });

  it('does not retry a client error (4xx)', async () => {
    const srv = await serve([
      (_b, res) => {
        res.writeHead(400);
        res.end('bad field "items"');
      },
      ok,
    ]);
    try {
      await expect(remoteReward({ url: srv.url, retries: 3, backoffMs: 1 })(batch)).rejects.toThrow('failed after 1 attempt; last error: HTTP 400: bad field "items"');
      expect(srv.requests).toBe(1);
    } finally {
      await srv.close();
    }
  });

  it('splits big batches and keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const sizes: number[] = [];
    const slowOk: Handler = (body, res, req) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      sizes.push(body.items.length);
      setTimeout(() => {
        inFlight -= 1;
        ok(body, res, req);
      }, 40);
    };
    const srv = await serve([slowOk]);
    try {
      const many: Interaction[] = Array.from({ length: 11 }, (_, k) => ({ query: 'q', answer: 'x'.repeat(k + 1), queryIndex: k, answerIndex: 0 }));
      const out = await remoteReward({ url: srv.url, batchSize: 2, concurrency: 2 })(many);
      expect(out).toEqual(many.map((x) => x.answer.length)); // order kept across chunks
      expect(sizes.sort()).toEqual([1, 2, 2, 2, 2, 2]);
      expect(peak).toBe(2);
    } finally {
      await srv.close();
    }
  });
});

describe('remoteReward with an injected fetch', () => {
  const reply = (status: number, body: string) => new Response(body, { status });

  it('checks the reply’s shape and caps the back-off', async () => {
    const bodies = ['{"scores": []}', '{"rewards": [1]}', '{"rewards": [1, "2"]}', '{"rewards": [0.5, null]}'];
    const fetch = async () => reply(200, bodies.shift() as string);
    const errors: string[] = [];
    const sleeps: number[] = [];
    const two = batch.slice(0, 2);
    const r = remoteReward({ url: 'http://reward.test/x', fetch: fetch as typeof globalThis.fetch, retries: 3, backoffMs: 100, maxBackoffMs: 150, sleep: async (ms) => void sleeps.push(ms) });
    expect(await r(two)).toEqual([0.5, null]);
    expect(sleeps).toEqual([100, 150, 150]);
    const bad = remoteReward({ url: 'http://reward.test/x', fetch: (async () => reply(200, '{"rewards": [1]}')) as typeof globalThis.fetch, retries: 0 });
    await bad(two).catch((e: Error) => errors.push(e.message));
    expect(errors).toEqual(['remoteReward http://reward.test/x: failed after 1 attempt; last error: reply has 1 rewards for 2 items']);
  });

  it('sends JSON with the interactions and the caller’s headers', async () => {
    let seen: RequestInit | undefined;
    const fetch = async (_url: string, init: RequestInit) => {
      seen = init;
      return reply(200, '{"rewards": [1]}');
    };
    await remoteReward({ url: 'https://reward.test', fetch: fetch as unknown as typeof globalThis.fetch, headers: { authorization: 'Bearer t' } })(batch.slice(0, 1));
    expect(seen?.method).toBe('POST');
    expect(seen?.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer t' });
    expect(JSON.parse(seen?.body as string)).toEqual({ items: [{ query: 'q', answer: 'one', queryIndex: 0, answerIndex: 0 }] });
  });

  it('rejects bad options', () => {
    expect(() => remoteReward({ url: 'ftp://x' })).toThrow('remoteReward: option url must start with http:// or https://, got "ftp://x"');
    expect(() => remoteReward({ url: 'http://x', concurrency: 0 })).toThrow('remoteReward: option concurrency must be an integer ≥ 1, got 0');
  });
});
