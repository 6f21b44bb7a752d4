/** Raw JSON requests to a test server, for tests of the sandbox's own HTTP contract. */
import { request, type Dispatcher } from 'undici';

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: any;
}

/** Sends `body` as JSON (when given) with `headers`; the reply body is parsed JSON, or undefined when empty. */
export async function sendJson(
  url: string,
  method: Dispatcher.HttpMethod,
  body: unknown,
  headers: Record<string, string>,
): Promise<Reply> {
  const res = await request(url, {
    method,
    headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
