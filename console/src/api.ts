/**
 * The console's only way to the service: the public REST API, with the API key from session storage
 * (never in a URL). An error keeps what the API said: its message and each problem with its path.
 */
import type { ConditionTrace, ExplainResponse, Flag, Milestone, Problem } from '../../src/client/index.js';

const KEY = 'journey.apiKey';

// The answers' shapes the typed client declares (src/client), one definition for both.
export type { Milestone, Problem };
export type FlagValue = Flag;
export type ExplainedCondition = ConditionTrace;
export type Explain = ExplainResponse;

export type Role = 'reader' | 'service' | 'admin';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

async function request(method: Method, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  const key = session.key();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, `the service did not answer (${(e as Error).message})`);
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    let problems: Problem[] = [];
    try {
      const err = (await res.json()) as { message?: unknown; problems?: Problem[] };
      if (typeof err.message === 'string') message = err.message;
      if (Array.isArray(err.problems)) problems = err.problems;
    } catch {
      /* not JSON: the status line says it */
    }
    throw new ApiError(res.status, message, problems);
  }
  return res;
}

async function json<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export const api = {
  get: <T>(path: string) => json<T>('GET', path),
  post: <T>(path: string, body?: unknown) => json<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => json<T>('PUT', path, body),
  delete: <T>(path: string) => json<T>('DELETE', path),
  text: async (path: string, accept: string) => (await request('GET', path, undefined, accept)).text(),
};

export const q = (params: Record<string, string | number | undefined | null>) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const str = s.toString();
  return str ? `?${str}` : '';
};
export const enc = encodeURIComponent;

/** The key's role, as the API tells it (a 401 for an unknown key). */
export async function roleOfKey(): Promise<Role> {
  return (await api.get<{ role: Role }>('/journey/whoami')).role;
}

/* ---------------------------------------------------------------- shapes of the API's answers */

export interface Rule {
  id: string;
  name: string;
  description?: string;
  flag: string;
  priority: number;
  active?: boolean;
  conditions: unknown[];
  actions: unknown[];
  version: number;
  createdAt: string;
  updatedAt: string;
  [k: string]: unknown;
}
export interface RuleVersion {
  version: number;
  document: Record<string, unknown>;
  createdBy: string;
  createdAt: string;
}
export interface RuleStats {
  ruleId: string;
  version: number;
  fired: number;
  lastFiredAt: string | null;
  series: { at: string; fired: number }[];
}
export interface FlagStats {
  flag: string;
  holders: number;
  series: { at: string; holders: number; set: number; cleared: number }[];
}
export interface Backfill {
  ruleId: string;
  status: 'running' | 'completed' | 'failed';
  ruleVersion: number | null;
  processed: number;
  total: number;
  error: string | null;
}
export interface Preview {
  matching: number;
  evaluated: number;
  wouldSet: number;
  wouldClear: number;
  sample: string[];
}
export interface Validation {
  valid: boolean;
  problems: Problem[];
  warnings: Problem[];
}
export type TimelineEntry =
  | { kind: 'event'; at: string; id: string; type: string; data: Record<string, unknown> }
  | {
      kind: 'flag';
      at: string;
      flag: string;
      value: boolean;
      previousValue: boolean | null;
      ruleId: string;
      ruleVersion: number | null;
      reason?: string;
      explanation?: { conditions?: ExplainedCondition[] } | null;
      causedBy?: { trigger: 'events' | 'time' | 'manual' | 'evaluation'; eventIds?: string[]; dueAt?: string; by?: string };
    }
  | { kind: 'milestone'; at: string; milestone: string; ruleId: string; by?: string | null }
  | { kind: 'output'; at: string; id: string; type: string; status: string };
export interface Holders {
  flag: string;
  value: boolean;
  count: number;
  participants: { userId: string; setAt: string; setByRule: string; expiresAt: string | null }[];
  next: string | null;
}
