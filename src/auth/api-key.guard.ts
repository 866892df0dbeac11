import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig, type Role } from '../config/config.js';
import { DomainError } from '../common/errors.js';
import { PUBLIC_KEY, RANK, ROLE_KEY } from './roles.js';

export const digest = (s: string) => createHash('sha256').update(s).digest();

/** A configured key, as a request presenting it is known by. */
export interface KnownKey {
  role: Role;
  name: string;
  /** The key's digest (hex): what the rate limiter counts it by. */
  id: string;
}

const IDENTIFIED = Symbol('api key');

/**
 * The configured API keys (JOURNEY_API_KEYS): `Authorization: Bearer KEY` (the scheme in any case) or
 * `X-API-Key: KEY`. Keys are compared in constant time and never logged; a request's key is looked up
 * once, for the rate limiter and the guard alike.
 */
@Injectable()
export class ApiKeys {
  private readonly keys: (KnownKey & { digest: Buffer })[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = config.apiKeys.map((k) => {
      const d = digest(k.key);
      return { digest: d, id: d.toString('hex'), role: k.role, name: k.name };
    });
  }

  /** No keys configured: the API is open. */
  get open(): boolean {
    return this.keys.length === 0;
  }

  /** The configured key the request presents, if any. */
  of(req: Request & { [IDENTIFIED]?: KnownKey | null }): KnownKey | undefined {
    if (req[IDENTIFIED] === undefined) req[IDENTIFIED] = this.lookup(presentedKey(req)) ?? null;
    return req[IDENTIFIED] ?? undefined;
  }

  private lookup(key: string | undefined): KnownKey | undefined {
    if (!key) return undefined;
    const d = digest(key);
    let found: KnownKey | undefined;
    // Compare against every key so timing does not reveal which one matched.
    for (const k of this.keys) if (timingSafeEqual(k.digest, d) && !found) found = { role: k.role, name: k.name, id: k.id };
    return found;
  }
}

/** Every HTTP route needs a key of its role (admin unless the route says otherwise), except public ones. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
  ) {
    if (keys.open) {
      new Logger('Auth').warn(
        'JOURNEY_API_KEYS is not set: the API is OPEN to anyone who can reach it. Set keys before exposing this service.',
      );
    }
  }

  canActivate(context: ExecutionContext): boolean {
    // API keys guard HTTP; Kafka's events come through the transport (EventsConsumer), inside the service.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    if (this.keys.open) return true;
    const needed = this.reflector.getAllAndOverride<Role>(ROLE_KEY, targets) ?? 'admin';
    const req = context.switchToHttp().getRequest<Request & { role?: Role; keyName?: string }>();
    const found = this.keys.of(req);
    if (!found) throw new DomainError('unauthorized', 'a valid API key is required (Authorization: Bearer KEY or X-API-Key)');
    const { role, name } = found;
    if (RANK[role] < RANK[needed]) throw new DomainError('forbidden', `this route needs the ${needed} role; the key has ${role}`);
    req.role = role;
    req.keyName = name;
    return true;
  }
}

/** The name of the key behind a request (its author), or `open` when no keys are configured. */
export const authorOf = (req: Request & { keyName?: string }): string => req.keyName ?? 'open';

/** The key a request presents, whether or not it is a known one. */
export function presentedKey(req: Request): string | undefined {
  // The scheme is case-insensitive (RFC 9110 §11.1): Bearer, bearer, BEARER.
  const bearer = /^bearer[ \t]+(.+)$/i.exec(req.headers.authorization ?? '');
  if (bearer) return bearer[1].trim();
  const x = req.headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}
