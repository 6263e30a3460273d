import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';

// Served by the GroupServer transport: answers a synchronous multicast to the group.
@Controller()
export class GreeterController {
  @MessagePattern('greeter.name')
  name(): string {
    return process.env.MEMBER_NAME ?? 'member';
  }
}
