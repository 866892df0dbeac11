import { Module } from '@nestjs/common';
import { ContextController } from './context.controller.js';
import { ContextRepository } from './context.repository.js';
import { ContextService } from './context.service.js';
import { DueRepository } from './due.repository.js';
import { OwnersService } from './owners.service.js';

/** The participants (their one owner): records, who owns a match or session, who is due, the context rules see and its cache. */
@Module({
  controllers: [ContextController],
  providers: [ContextRepository, ContextService, OwnersService, DueRepository],
  exports: [ContextRepository, ContextService, OwnersService, DueRepository],
})
export class ContextModule {}
