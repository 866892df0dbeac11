import { Controller, Get, HttpException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../auth/roles.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly db: DataSource) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness and readiness: the database answers' })
  @ApiResponse({
    status: 200,
    schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' }, checks: { type: 'object' } } },
  })
  @ApiResponse({ status: 503 })
  async health() {
    const database = await this.db.query('SELECT 1').then(
      () => 'up',
      () => 'down',
    );
    const body = { status: database === 'up' ? 'ok' : 'error', checks: { database } };
    if (database !== 'up') throw new HttpException(body, 503);
    return body;
  }
}
