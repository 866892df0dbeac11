import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { RulesService } from './rules.service.js';
import { readRuleFiles } from './rule-files.js';

/** Loads the default rules from seeds/ at start-up, only those never seen here. */
@Injectable()
export class SeedService implements OnApplicationBootstrap {
  constructor(
    private readonly rules: RulesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.rules.seed(readRuleFiles(this.config.seedDir));
  }
}
