import { Module } from '@nestjs/common';
import { ContextController } from './context.controller.js';
import { ContextRepository } from './context.repository.js';
import { ContextService } from './context.service.js';
import { OwnersService } from './owners.service.js';

/** The participants' read model: records, who owns a match or session, the context rules see and its cache. */
@Module({
  controllers: [ContextController],
  providers: [ContextRepository, ContextService, OwnersService],
  exports: [ContextRepository, ContextService, OwnersService],
})
export class ContextModule {}
