import { Module } from '@nestjs/common';
import { WhoamiController } from './whoami.controller.js';

/** The key's own view of itself (GET /journey/whoami); the guard itself is global (AppModule). */
@Module({ controllers: [WhoamiController] })
export class AuthModule {}
