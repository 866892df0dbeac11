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
  private readonly keys: { digest: Buffer; role: Role }[];

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keys = config.apiKeys.map((k) => ({ digest: digest(k.key), role: k.role }));
    if (this.keys.length === 0) {
      new Logger('Auth').warn(
        'JOURNEY_API_KEYS is not set: the API is OPEN to anyone who can reach it. Set keys before exposing this service.',
      );
    }
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    if (this.keys.length === 0) return true;
    const needed = this.reflector.getAllAndOverride<Role>(ROLE_KEY, targets) ?? 'admin';
    const req = context.switchToHttp().getRequest<Request & { role?: Role }>();
    const role = this.roleOf(presentedKey(req));
    if (!role) throw new DomainError('unauthorized', 'a valid API key is required (Authorization: Bearer KEY or X-API-Key)');
    if (RANK[role] < RANK[needed]) throw new DomainError('forbidden', `this route needs the ${needed} role; the key has ${role}`);
    req.role = role;
    return true;
  }

  private roleOf(key: string | undefined): Role | undefined {
    if (!key) return undefined;
    const d = digest(key);
    let found: Role | undefined;
    // Compare against every key so timing does not reveal which one matched.
    for (const k of this.keys) if (timingSafeEqual(k.digest, d) && !found) found = k.role;
    return found;
  }
}

/** The key a request presents, whether or not it is a known one. */
export function presentedKey(req: Request): string | undefined {
  // The scheme is case-insensitive (RFC 9110 §11.1): Bearer, bearer, BEARER.
  const bearer = /^bearer[ \t]+(.+)$/i.exec(req.headers.authorization ?? '');
  if (bearer) return bearer[1].trim();
  const x = req.headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}
