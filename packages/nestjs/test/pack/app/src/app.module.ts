import { tcpWire } from '@cohort/core';
import { GroupModule } from '@cohort/nestjs';
import { Module } from '@nestjs/common';
import { GreeterController } from './greeter.controller.js';
import { Greeter } from './greeter.service.js';

@Module({
  imports: [
    GroupModule.forRootAsync({
      useFactory: async () => ({
        name: process.env.COHORT_GROUP_NAME ?? 'greeters',
        wire: await tcpWire({ host: '127.0.0.1', port: 0 }),
        seeds: (process.env.COHORT_SEEDS ?? '').split(',').filter(Boolean), // none: this member forms the group
      }),
    }),
  ],
  controllers: [GreeterController],
  providers: [Greeter],
})
export class AppModule {}
