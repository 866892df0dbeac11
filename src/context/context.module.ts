import { Module } from '@nestjs/common';
import { ContextController } from './context.controller.js';
import { ContextRepository } from './context.repository.js';
import { ContextService } from './context.service.js';

@Module({ controllers: [ContextController], providers: [ContextRepository, ContextService], exports: [ContextRepository, ContextService] })
export class ContextModule {}
