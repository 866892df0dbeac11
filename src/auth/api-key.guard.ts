import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig, type Role } from '../config/config.js';
import { DomainError } from '../common/errors.js';
import { PUBLIC_KEY, RANK, ROLE_KEY } from './roles.js';

export const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * API keys by role (JOURNEY_API_KEYS): `Authorization: Bearer KEY` (the scheme in any case) or `X-API-Key: KEY`.
 * Keys are compared in constant time and never logged.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: { digest: Buffer; role: Role; name: string }[];

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keys = config.apiKeys.map((k) => ({ digest: digest(k.key), role: k.role, name: k.name }));
    if (this.keys.length === 0) {
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
    if (this.keys.length === 0) return true;
    const needed = this.reflector.getAllAndOverride<Role>(ROLE_KEY, targets) ?? 'admin';
    const req = context.switchToHttp().getRequest<Request & { role?: Role; keyName?: string }>();
    const found = this.keyOf(presentedKey(req));
    if (!found) throw new DomainError('unauthorized', 'a valid API key is required (Authorization: Bearer KEY or X-API-Key)');
    const { role, name } = found;
    if (RANK[role] < RANK[needed]) throw new DomainError('forbidden', `this route needs the ${needed} role; the key has ${role}`);
    req.role = role;
    req.keyName = name;
    return true;
  }

  private keyOf(key: string | undefined): { role: Role; name: string } | undefined {
    if (!key) return undefined;
    const d = digest(key);
    let found: { role: Role; name: string } | undefined;
    // Compare against every key so timing does not reveal which one matched.
    for (const k of this.keys) if (timingSafeEqual(k.digest, d) && !found) found = k;
    return found && { role: found.role, name: found.name };
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
