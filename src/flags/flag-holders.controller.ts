import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiSecurity,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { once } from 'node:events';
import { RequireRole } from '../auth/roles.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { CSV_HEADER, HOLDERS_CSV_EXAMPLE, HoldersPage, HoldersQuery, toCsvLine } from './flag-holders.dto.js';
import { FlagHoldersService } from './flag-holders.service.js';

/** The collection route GET /journey/flags (who holds a flag); one participant's flags are at /journey/flags/:userId. */
@ApiTags('flags')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiExtraModels(HoldersPage)
@Controller('journey/flags')
export class FlagHoldersController {
  constructor(private readonly holders: FlagHoldersService) {}

  @Get()
  @RequireRole('reader')
  @ApiOperation({
    summary: 'Who holds a flag: the participants whose flag has a value now (an expired flag counts as false)',
    description: 'With `Accept: text/csv`, every holder (from `cursor` on, no page limit) streams as CSV with a header row.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({
    status: 200,
    content: {
      'application/json': { schema: { $ref: getSchemaPath(HoldersPage) } },
      'text/csv': { schema: { type: 'string' }, example: HOLDERS_CSV_EXAMPLE },
    },
  })
  @ApiResponse({ status: 400, description: 'An unknown flag, a bad value, limit or cursor: path and reason', schema: PROBLEM_SCHEMA })
  async list(@Query() q: HoldersQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (req.accepts(['application/json', 'text/csv']) !== 'text/csv') {
      res.json(await this.holders.page(q));
      return;
    }
    await this.holders.assertKnown(q.flag);
    res.status(200).type('text/csv').setHeader('Content-Disposition', `attachment; filename="${q.flag}-${q.value}.csv"`);
    res.write(CSV_HEADER);
    for await (const rows of this.holders.all(q)) {
      if (res.destroyed) return;
      // Back-pressure: a slow reader holds the next batch back instead of filling memory.
      if (!res.write(rows.map(toCsvLine).join(''))) await once(res, 'drain');
    }
    res.end();
  }
}
