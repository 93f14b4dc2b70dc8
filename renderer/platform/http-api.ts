// window.api for the browser shell: the same contract, each channel a POST /rpc/<channel> carrying the shell token.
import { type Channel, type ClientEvent, clientApi, type Result, type WindowBridge } from '../../domain/client-api.js';

export const TOKEN_HEADER = 'x-dispatch-token';

export interface HttpApiOptions {
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** delay before reconnecting the event stream */
  retryMs?: number;
}

function offline(message: string): Result<never> {
  return { ok: false, error: { code: 'SHELL_UNREACHABLE', message } };
}

export function createHttpApi(opts: HttpApiOptions): WindowBridge & { close(): void } {
  const doFetch = opts.fetch ?? fetch.bind(globalThis);
  const headers = { 'content-type': 'application/json', [TOKEN_HEADER]: opts.token };
  const api: Record<string, unknown> = {};
  for (const channel of Object.keys(clientApi) as Channel[]) {
    api[channel] = async (args: unknown): Promise<Result<unknown>> => {
      let res: Response;
      try {
        res = await doFetch(`${opts.baseUrl}/rpc/${channel}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(args ?? {}),
        });
      } catch (e) {
        return offline(e instanceof Error ? e.message : String(e));
      }
      try {
        return (await res.json()) as Result<unknown>;
      } catch {
        return offline(`HTTP ${res.status}`);
      }
    };
  }

  const listeners = new Set<(e: ClientEvent) => void>();
  let controller: AbortController | null = null;
  let closed = false;
  async function stream() {
    while (!closed && listeners.size > 0) {
      controller = new AbortController();
      try {
        const res = await doFetch(`${opts.baseUrl}/events`, {
          headers: { [TOKEN_HEADER]: opts.token },
          signal: controller.signal,
        });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let cut = buf.indexOf('\n\n');
          while (cut >= 0) {
            const frame = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            for (const line of frame.split('\n')) {
              if (line.startsWith('data: ')) {
                const event = JSON.parse(line.slice(6)) as ClientEvent;
                for (const l of listeners) l(event);
              }
            }
            cut = buf.indexOf('\n\n');
          }
        }
      } catch {
        // the shell restarted or the stream was aborted; retry below unless closed
      }
      if (!closed && listeners.size > 0) await new Promise((r) => setTimeout(r, opts.retryMs ?? 1000));
    }
  }
  api.onEvent = (listener: (e: ClientEvent) => void) => {
    listeners.add(listener);
    if (listeners.size === 1) void stream();
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) controller?.abort();
    };
  };
  api.close = () => {
    closed = true;
    controller?.abort();
  };
  return api as unknown as WindowBridge & { close(): void };
}

/** Download a file main produced (xlsx, pdf) through the shell, as a Blob. */
export async function fetchShellFile(opts: HttpApiOptions, fileId: string): Promise<Blob> {
  const doFetch = opts.fetch ?? fetch.bind(globalThis);
  const res = await doFetch(`${opts.baseUrl}/files/${encodeURIComponent(fileId)}`, {
    headers: { [TOKEN_HEADER]: opts.token },
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.blob();
}
