import { addressOf, type Group } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { COHORT_GROUP, GroupClient, GroupServer } from '@cohort/nestjs';
import { GroupDispatcher } from '@cohort/nestjs/internal';
import { NestFactory } from '@nestjs/core';
import { lastValueFrom } from 'rxjs';
import { AppModule } from './app.module.js';
import { Greeter } from './greeter.service.js';

// A member of the group over Cohort's TCP wire, in a hybrid Nest application. The test that
// packs @cohort/core and @cohort/nestjs builds this app twice (an ES module and CommonJS),
// starts two instances of each and reads the lines printed here.
async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  const group = app.get<Group>(COHORT_GROUP);
  app.connectMicroservice({ strategy: new GroupServer({ group }) });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  console.log(
    `READY ${JSON.stringify({
      address: addressOf(group.me),
      format: typeof require === 'function' ? 'commonjs' : 'module',
      testing: typeof SimulatedNetwork, // the '@cohort/core/testing' subpath loads too
      internal: typeof GroupDispatcher.for, // and '@cohort/nestjs/internal'
    })}`,
  );
  if (process.env.CALLER === '1') {
    const greetings = await app.get(Greeter).greet(process.env.MEMBER_NAME ?? 'member');
    const names = await lastValueFrom(app.get(GroupClient).send('greeter.name', {}));
    console.log(`RESULT ${JSON.stringify({ greetings, names, members: group.view.members.length })}`);
  }
}
void bootstrap();
