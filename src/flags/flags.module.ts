import { Module } from '@nestjs/common';
import { RulesModule } from '../rules/rules.module.js';
import { FlagHoldersController } from './flag-holders.controller.js';
import { FlagHoldersRepository } from './flag-holders.repository.js';
import { FlagHoldersService } from './flag-holders.service.js';
import { FlagsController } from './flags.controller.js';
import { FlagsRepository } from './flags.repository.js';

@Module({
  imports: [RulesModule],
  controllers: [FlagHoldersController, FlagsController],
  providers: [FlagsRepository, FlagHoldersRepository, FlagHoldersService],
  exports: [FlagsRepository],
})
export class FlagsModule {}
