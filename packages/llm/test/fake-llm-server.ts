import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the OpenAI and Anthropic HTTP APIs, so tests run the real SDK clients without the
 * internet. It listens on 127.0.0.1 (a free port) and answers
 *   POST /v1/chat/completions   (OpenAI wire format, with `usage`)
 *   POST /v1/messages           (Anthropic wire format: a `tool_use` block, with `usage`)
 * Replies are scripted per model name, in order; when a model's script runs out the fallback reply is used.
 * Every request is recorded (headers included) so tests can assert what reached the "provider".
 *
 * Import from `@floor/llm/testing`.
 */

export interface FakeUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export type FakeReply =
  /** a well-formed forecast (OpenAI: JSON text content; Anthropic: the forced tool call) */
  | { readonly kind: 'answer'; readonly answer: Readonly<Record<string, unknown>>; readonly usage?: FakeUsage }
  /** plain text, not JSON (Anthropic: a text block and no tool call) */
  | { readonly kind: 'text'; readonly text: string; readonly usage?: FakeUsage }
  /** any JSON value as the answer, e.g. one that fails the forecast schema */
  | { readonly kind: 'json'; readonly value: unknown; readonly usage?: FakeUsage }
  /** an HTTP error in the provider's error format */
  | { readonly kind: 'error'; readonly status: number; readonly headers?: Readonly<Record<string, string>> }
  /** accept the request and never answer (the client's timeout must fire) */
  | { readonly kind: 'hang' };

/** Builders for the common replies. */
export const fakeReply = {
  answer(probability: number, overrides: Record<string, unknown> = {}, usage?: FakeUsage): FakeReply {
    return {
      kind: 'answer',
      answer: {
        probability,
        confidence: 0.6,
        reasoning: 'Base rates and the current polling both point this way.',
        wouldChangeMind: 'A credible poll showing the opposite trend.',
        ...overrides,
      },
      ...(usage ? { usage } : {}),
    };
  },
  notJson(text = 'I think this is fairly likely, maybe 70%.'): FakeReply {
    return { kind: 'text', text };
  },
  invalidJson(value: unknown = { probability: 'high', confidence: 2 }): FakeReply {
    return { kind: 'json', value };
  },
  rateLimited(retryAfterSeconds?: number): FakeReply {
    return { kind: 'error', status: 429, ...(retryAfterSeconds === undefined ? {} : { headers: { 'retry-after': String(retryAfterSeconds) } }) };
  },
  serverError(status = 500): FakeReply {
    return { kind: 'error', status };
  },
  hang(): FakeReply {
    return { kind: 'hang' };
  },
} as const;

export interface RecordedRequest {
  readonly api: 'openai' | 'anthropic' | 'unknown';
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** parsed JSON body (undefined if it was not JSON) */
  readonly body: unknown;
  readonly model: string | undefined;
  /** which reply it got */
  readonly reply: FakeReply['kind'] | 'not_found';
  readonly receivedAtMs: number;
}

export interface FakeLlmServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** base URL for the OpenAI SDK (`${url}/v1`) */
  readonly openAiBaseUrl: string;
  /** base URL for the Anthropic SDK (`url`; the SDK adds `/v1/messages`) */
  readonly anthropicBaseUrl: string;
  /** every request received, in order */
  readonly requests: readonly RecordedRequest[];
  /** appends replies to a model's script */
  script(model: string, ...replies: FakeReply[]): void;
  /** the reply for a model with no scripted reply left (default: an answer of 0.5) */
  setFallback(reply: FakeReply): void;
  requestsFor(model: string): RecordedRequest[];
  /** forgets recorded requests and scripts */
  reset(): void;
  /** stops listening and drops open (hanging) connections */
  close(): Promise<void>;
}

const DEFAULT_USAGE: FakeUsage = { inputTokens: 420, outputTokens: 85 };

export async function startFakeLlmServer(options: { fallback?: FakeReply } = {}): Promise<FakeLlmServer> {
  const scripts = new Map<string, FakeReply[]>();
  const requests: RecordedRequest[] = [];
  let fallback: FakeReply = options.fallback ?? fakeReply.answer(0.5);
  let counter = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(err) } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const body = tryJson(text);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const api = req.method === 'POST' && path === '/v1/chat/completions' ? 'openai' : req.method === 'POST' && path === '/v1/messages' ? 'anthropic' : 'unknown';
    const model = isRecord(body) && typeof body['model'] === 'string' ? body['model'] : undefined;
    const reply: FakeReply | undefined = api === 'unknown' ? undefined : (model !== undefined ? scripts.get(model)?.shift() : undefined) ?? fallback;

    requests.push({
      api,
      method: req.method ?? '',
      path,
      headers: req.headers,
      body,
      model,
      reply: reply?.kind ?? 'not_found',
      receivedAtMs: Date.now(),
    });

    if (!reply || api === 'unknown') {
      sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}` } });
      return;
    }
    if (reply.kind === 'hang') return; // never answered; close() drops the socket
    counter += 1;
    if (api === 'openai') answerOpenAi(res, reply, model ?? 'unknown', counter);
    else answerAnthropic(res, reply, body, model ?? 'unknown', counter);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    openAiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests,
    script(model, ...replies) {
      const queue = scripts.get(model) ?? [];
      queue.push(...replies);
      scripts.set(model, queue);
    },
    setFallback(reply) {
      fallback = reply;
    },
    requestsFor(model) {
      return requests.filter((r) => r.model === model);
    },
    reset() {
      requests.length = 0;
      scripts.clear();
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function answerOpenAi(res: ServerResponse, reply: Exclude<FakeReply, { kind: 'hang' }>, model: string, n: number): void {
  if (reply.kind === 'error') {
    const type = reply.status === 429 ? 'rate_limit_exceeded' : reply.status >= 500 ? 'server_error' : 'invalid_request_error';
    sendJson(res, reply.status, { error: { message: `fake ${reply.status}`, type, param: null, code: null } }, reply.headers);
    return;
  }
  const content = reply.kind === 'text' ? reply.text : JSON.stringify(reply.kind === 'answer' ? reply.answer : reply.value);
  const usage = reply.usage ?? DEFAULT_USAGE;
  sendJson(res, 200, {
    id: `chatcmpl-fake-${n}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens },
  });
}

function answerAnthropic(res: ServerResponse, reply: Exclude<FakeReply, { kind: 'hang' }>, body: unknown, model: string, n: number): void {
  if (reply.kind === 'error') {
    const type = reply.status === 429 ? 'rate_limit_error' : reply.status === 529 ? 'overloaded_error' : reply.status >= 500 ? 'api_error' : 'invalid_request_error';
    sendJson(res, reply.status, { type: 'error', error: { type, message: `fake ${reply.status}` } }, reply.headers);
    return;
  }
  const usage = reply.usage ?? DEFAULT_USAGE;
  const content =
    reply.kind === 'text'
      ? [{ type: 'text', text: reply.text, citations: null }]
      : [{ type: 'tool_use', id: `toolu_fake_${n}`, name: forcedToolName(body), input: reply.kind === 'answer' ? reply.answer : reply.value }];
  sendJson(res, 200, {
    id: `msg_fake_${n}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: reply.kind === 'text' ? 'end_turn' : 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, cache_creation_input_tokens: null, cache_read_input_tokens: null },
  });
}

/** The tool the request forced with `tool_choice`, as a real model would call it. */
function forcedToolName(body: unknown): string {
  if (isRecord(body) && isRecord(body['tool_choice']) && typeof body['tool_choice']['name'] === 'string') {
    return body['tool_choice']['name'];
  }
  return 'submit_forecast';
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
