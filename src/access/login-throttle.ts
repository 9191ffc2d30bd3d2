import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Sign-in throttling (rate-limiter-flexible: Redis when the deployment has it, so every HTTP
 * process counts together; memory in embedded mode, and memory again while Redis is away).
 *
 * - Per address and email: 5 failed sign-ins a minute, then wait for the minute to pass.
 *   Guessing is slowed to 5 tries a minute, and the right password works again a minute
 *   later at worst. Someone elsewhere guessing a person's password does not lock that person
 *   out: their own address and email is another key.
 * - Per address: 100 failed sign-ins an hour, any email (one address trying many accounts).
 *
 * A throttled attempt is refused before its password is checked (otherwise the throttle
 * would still answer whether a guess was right). A success clears its address+email count.
 */
export interface LoginThrottle {
  /** null: go ahead; otherwise the milliseconds to wait */
  check(address: string, email: string): Promise<number | null>;
  failed(address: string, email: string): Promise<void>;
  succeeded(address: string, email: string): Promise<void>;
}

export const loginLimits = {
  perAddressAndEmail: { points: 5, duration: 60 },
  perAddress: { points: 100, duration: 3600 },
} as const;

export function createLoginThrottle(opts: { redis?: Redis; prefix?: string } = {}): LoginThrottle {
  const make = (name: string, limits: { points: number; duration: number }): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix: `login-${name}`, ...limits });
    return opts.redis
      ? new RateLimiterRedis({ storeClient: opts.redis, keyPrefix: `${opts.prefix ?? 'sb'}:login-${name}`, ...limits, insuranceLimiter: memory })
      : memory;
  };
  const byPair = make('pair', loginLimits.perAddressAndEmail);
  const byAddress = make('address', loginLimits.perAddress);
  const pairKey = (address: string, email: string) => `${address}|${email.toLowerCase()}`;
  const wait = (res: { consumedPoints: number; msBeforeNext: number } | null, points: number) =>
    res && res.consumedPoints >= points ? Math.max(res.msBeforeNext, 1) : 0;
  // a store that errors (Redis away with no insurance) lets the sign-in through: the password check still stands
  const safely = async <T>(p: Promise<T>): Promise<T | null> => p.catch(() => null);

  return {
    async check(address, email) {
      const [pair, addr] = await Promise.all([safely(byPair.get(pairKey(address, email))), safely(byAddress.get(address))]);
      const ms = Math.max(wait(pair, loginLimits.perAddressAndEmail.points), wait(addr, loginLimits.perAddress.points));
      return ms > 0 ? ms : null;
    },
    async failed(address, email) {
      // penalty() counts without refusing: check() decides, so the count never overshoots into an error
      await Promise.all([safely(byPair.penalty(pairKey(address, email))), safely(byAddress.penalty(address))]);
    },
    async succeeded(address, email) {
      await safely(byPair.delete(pairKey(address, email)));
    },
  };
}
