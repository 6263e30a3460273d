import { Module } from '@nestjs/common';
import { PhoneBookService } from './phone-book.service.js';

/** The member side of the phone book: needs GroupModule in the application. */
@Module({ providers: [PhoneBookService], exports: [PhoneBookService] })
export class PhoneBookModule {}
