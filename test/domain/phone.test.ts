import { describe, expect, it } from 'vitest';
import { phone } from '../../domain/order-schemas.js';
import { normalizePhone } from '../../domain/phone.js';

describe('normalizePhone', () => {
  it.each([
    ['01012345678', '010-1234-5678'],
    ['010 1234 5678', '010-1234-5678'],
    ['010.1234.5678', '010-1234-5678'],
    ['+82-10-1234-5678', '010-1234-5678'],
    ['+82 010 1234 5678', '010-1234-5678'],
    ['0111234567', '011-123-4567'],
    ['0212345678', '02-1234-5678'],
    ['021234567', '02-123-4567'],
    ['(031) 123-4567', '031-123-4567'],
    ['0311234567', '031-123-4567'],
    ['07012345678', '070-1234-5678'],
    ['15881234', '1588-1234'],
    ['  010-1234-5678 ', '010-1234-5678'],
  ])('%s → %s', (raw, canonical) => {
    expect(normalizePhone(raw)).toBe(canonical);
  });

  it('keeps numbers it cannot place as typed', () => {
    expect(normalizePhone('+1 (415) 555-0100')).toBe('+1 (415) 555-0100');
    expect(normalizePhone('1234567')).toBe('1234567');
  });

  it('is what the phone field of every form and import stores', () => {
    expect(phone.parse(' 01098765432')).toBe('010-9876-5432');
    expect(phone.safeParse('call me').success).toBe(false);
  });
});
