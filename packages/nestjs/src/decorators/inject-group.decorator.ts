import { Inject } from '@nestjs/common';
import { COHORT_GROUP } from '../constants.js';

/** Injects the member's Group provided by GroupModule (the `Group` class works as a token too). */
export function InjectGroup(): PropertyDecorator & ParameterDecorator {
  return Inject(COHORT_GROUP);
}
