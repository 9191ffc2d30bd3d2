/** One injectable clock: due work, SLAs and reminders read time only through it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  private current: number;
  constructor(start: Date | string | number = '2026-01-05T14:00:00Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(at: Date | string | number): void {
    this.current = new Date(at).getTime();
  }
  advance(ms: number): Date {
    this.current += ms;
    return this.now();
  }
}
