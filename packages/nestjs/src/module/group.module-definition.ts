import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { GroupModuleOptions } from './group-module.options.js';

export const {
  ConfigurableModuleClass: ConfigurableGroupModule,
  MODULE_OPTIONS_TOKEN: GROUP_MODULE_OPTIONS,
  OPTIONS_TYPE: GROUP_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: GROUP_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<GroupModuleOptions>()
  .setClassMethodName('forRoot')
  // One member per application: global unless told otherwise.
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
