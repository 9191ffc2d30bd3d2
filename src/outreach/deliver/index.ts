import type { Env } from '../../platform/env';
import type { Deliverers } from '../send-job';
import { emailDeliverer } from './email';
import { portalDeliverer } from './portal';
import { smsDeliverer } from './sms';
import { voiceDeliverer } from './voice';

export function createDeliverers(env: Env, overrides: Partial<Deliverers> = {}): Deliverers {
  return {
    sms: smsDeliverer(env),
    email: emailDeliverer(env),
    portal: portalDeliverer(env),
    voice: voiceDeliverer(env),
    ...overrides,
  };
}
