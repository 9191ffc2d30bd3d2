import { describe, expect, it } from 'vitest';
import { matchSmsKeyword, smsKeyword } from '../../../channels/sms/keywords';

describe('smsKeyword', () => {
  it.each(['STOP', 'stop', 'Stop.', ' STOP! ', 'StopAll', 'STOP ALL', 'unsubscribe', 'Cancel', 'END', 'quit', 'Revoke', 'OPT OUT', 'opt-out', 'optout', 'stop 🛑', '"Stop"'])(
    '%j opts out',
    (body) => expect(smsKeyword(body)).toBe('stop'),
  );

  it.each(['START', 'start', 'Yes', 'YES!', 'unstop'])('%j opts back in', (body) => expect(smsKeyword(body)).toBe('start'));

  it.each(['HELP', 'help?', 'Info', 'ayuda'])('%j asks for help', (body) => expect(smsKeyword(body)).toBe('help'));

  it.each(['PARAR', 'Detener', 'alto.'])('Spanish %j opts out in our ledger', (body) => {
    expect(matchSmsKeyword(body)).toMatchObject({ kind: 'stop', language: 'es' });
  });

  it.each([
    'please stop texting me',
    'stop it',
    'I want to cancel my appointment',
    'cancelar',
    'sí',
    'yes please',
    'STOPPED',
    'helpful',
    '',
    '   ',
    '2',
    'X',
  ])('%j is not a keyword', (body) => expect(smsKeyword(body)).toBeNull());

  it('reports the matched word and its language', () => {
    expect(matchSmsKeyword('Opt Out')).toEqual({ kind: 'stop', word: 'OPTOUT', language: 'en' });
    expect(matchSmsKeyword('AYUDA')).toEqual({ kind: 'help', word: 'AYUDA', language: 'es' });
  });
});
