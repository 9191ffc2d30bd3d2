import type { Env } from '../../env';
import type { Deliverers } from '../send-job';
import { emailDeliverer } from './email';
import { portalDeliverer } from './portal';
import { smsDeliverer } from './sms';
import { voiceDeliverer } from './voice';
import { DeliveryError, type Deliverer } from './types';

const unavailable = (channel: string): Deliverer => ({
  rateKey: () => null,
  async deliver() {
    throw new DeliveryError('permanent', `sending by ${channel} is not available yet`, 'channel_unavailable');
  },
});

export function createDeliverers(env: Env, overrides: Partial<Deliverers> = {}): Deliverers {
  return {
    sms: smsDeliverer(env),
    email: emailDeliverer(env),
    portal: portalDeliverer(),
    voice: voiceDeliverer(env),
    ...overrides,
  };
}
