import { Module } from '@nestjs/common';
import { FlagsController } from './flags.controller.js';
import { FlagsRepository } from './flags.repository.js';

@Module({ controllers: [FlagsController], providers: [FlagsRepository], exports: [FlagsRepository] })
export class FlagsModule {}
