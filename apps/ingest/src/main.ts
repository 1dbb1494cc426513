import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { REPORT_TYPES } from '@livefeed/domain';

@Module({})
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  await app.listen(0);
  console.log('ok', REPORT_TYPES.length);
  await app.close();
}
void main();
