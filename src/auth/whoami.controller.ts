import { Controller, Get, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Role } from '../config/config.js';
import { authorOf } from './api-key.guard.js';
import { RequireRole } from './roles.js';

/** What the key a request presents may do: how a client (the console) knows which controls to show. */
@ApiTags('auth')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/whoami')
export class WhoamiController {
  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'The role and name of the API key used (admin and "open" when no keys are configured)' })
  @ApiResponse({
    status: 200,
    schema: {
      type: 'object',
      required: ['role', 'name'],
      properties: {
        role: { type: 'string', enum: ['reader', 'service', 'admin'] },
        name: { type: 'string', description: 'The key’s name (JOURNEY_API_KEYS role:name:KEY), else its role; open without keys' },
      },
      example: { role: 'reader', name: 'reader' },
    },
  })
  whoami(@Req() req: Request & { role?: Role }) {
    // Without configured keys the guard lets everything through: the caller can do what an admin can.
    return { role: req.role ?? 'admin', name: authorOf(req) };
  }
}
