import { configSchema } from '@livefeed/common';
import { createDataSource } from './data-source';

/**
 * For the TypeORM CLI only (`typeorm -d libs/event-store/src/typeorm.config.ts migration:show`): the one
 * place of this library that reads the environment, validated like the apps' configuration.
 */
export default createDataSource(configSchema.shape.DATABASE_URL.parse(process.env.DATABASE_URL), {
  applicationName: 'livefeed-typeorm-cli',
});
