import { SetMetadata } from '@nestjs/common';
import type { Role } from '../config/config.js';

export const ROLE_KEY = 'journey:role';
export const PUBLIC_KEY = 'journey:public';

/** The least role a route needs: reader < service < admin. */
export const RequireRole = (role: Role) => SetMetadata(ROLE_KEY, role);
/** A route open without a key (health, docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const RANK: Record<Role, number> = { reader: 1, service: 2, admin: 3 };
