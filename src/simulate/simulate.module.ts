import { Module } from '@nestjs/common';
import { RulesModule } from '../rules/rules.module.js';
import { SimulateController } from './simulate.controller.js';
import { SimulateService } from './simulate.service.js';

/** Journeys played in memory (POST /journey/simulate): reads the active rules, writes nothing. */
@Module({ imports: [RulesModule], controllers: [SimulateController], providers: [SimulateService] })
export class SimulateModule {}
