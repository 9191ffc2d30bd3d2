/** Where the integration tests find Postgres and Redis, and whether CI demands them. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const testRedisUrl = process.env.TEST_REDIS_URL || process.env.REDIS_URL || 'redis://127.0.0.1:6379';
export const ciDemandsServices = process.env.CI === 'true' || process.env.CI === '1';
