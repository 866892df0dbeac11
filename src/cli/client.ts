/** The journey engine's HTTP API, as the CLI uses it. */
import type { Problem } from '../contracts/validation.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

export class JourneyClient {
  constructor(
    readonly baseUrl: string,
    private readonly key: string | undefined,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(
        `cannot reach ${this.baseUrl} (${cause?.code ?? cause?.message ?? (e as Error).message}); set --url or JOURNEY_URL`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const b = (parsed ?? {}) as { message?: string; problems?: Problem[] };
      const hint = res.status === 401 ? ' (set --key or JOURNEY_API_KEY)' : '';
      throw new ApiError(`${method} ${url.pathname}: ${res.status} ${b.message ?? res.statusText}${hint}`, res.status, b.problems ?? []);
    }
    return parsed as T;
  }
}
