import { describe, expect, it } from 'vitest';
import { createDeferralSpread } from '../../../functions/provision/deferral-spread';

const NOW = 1_000_000;
const WINDOW_MS = 20_000;

describe('createDeferralSpread', () => {
  it('sends everything back at the opening while the container has created nothing (no share known yet)', () => {
    // Given a container whose first call met the limit
    const spread = createDeferralSpread();
    // When it defers ten requests for the next window
    const slots = Array.from({ length: 10 }, () => spread.slot(NOW + WINDOW_MS, NOW));
    // Then all of them come back when it opens
    expect(new Set(slots)).toEqual(new Set([NOW + WINDOW_MS]));
  });

  it("sends back a quarter more than the container's share per window, plus one, and the rest to later windows", () => {
    // Given a container that created 8 connections before the limit closed
    const spread = createDeferralSpread();
    for (let i = 0; i < 8; i += 1) spread.created();
    // When it defers 30 requests
    const slots = Array.from({ length: 30 }, () => spread.slot(NOW + WINDOW_MS, NOW));
    // Then 11 (8 × 1.25 + 1) come back per window, window after window
    const perWindow = new Map<number, number>();
    for (const slot of slots) perWindow.set(slot, (perWindow.get(slot) ?? 0) + 1);
    expect([...perWindow.entries()]).toEqual([
      [NOW + WINDOW_MS, 11],
      [NOW + 2 * WINDOW_MS, 11],
      [NOW + 3 * WINDOW_MS, 8],
    ]);
  });

  it('at the next opening, counts the window that passed as served and queues new deferrals behind those still waiting', () => {
    // Given 30 requests spread over three windows by a share of 11
    const spread = createDeferralSpread();
    for (let i = 0; i < 8; i += 1) spread.created();
    for (let i = 0; i < 30; i += 1) spread.slot(NOW + WINDOW_MS, NOW);
    // When the first window's requests created 8 more before the next 429
    for (let i = 0; i < 8; i += 1) spread.created();
    const later = NOW + WINDOW_MS + 500;
    // Then a request refused now waits behind the 19 still queued: two windows of 11 after the new opening
    expect(spread.slot(later + WINDOW_MS, later)).toBe(later + 2 * WINDOW_MS);
  });

  it('lets a short wait inside a window (a rolling slot about to free) through at its own time', () => {
    const spread = createDeferralSpread();
    for (let i = 0; i < 2; i += 1) spread.created();
    for (let i = 0; i < 20; i += 1) spread.slot(NOW + WINDOW_MS, NOW);
    // A one-second wait is no new window: no place in the queue
    expect(spread.slot(NOW + 1_000, NOW)).toBe(NOW + 1_000);
  });

  it('keeps the best share of the last windows, so one window in which it created nothing does not push its requests far out', () => {
    // Given a container that created 8 in one window and nothing in the next
    const spread = createDeferralSpread();
    for (let i = 0; i < 8; i += 1) spread.created();
    spread.slot(NOW + WINDOW_MS, NOW);
    const later = NOW + WINDOW_MS + 500;
    // When it defers 12 requests at the next opening
    const slots = Array.from({ length: 12 }, () => spread.slot(later + WINDOW_MS, later));
    // Then it still sends back 11 per window
    expect(slots.filter((slot) => slot === later + WINDOW_MS)).toHaveLength(11);
  });

  it('sends no request further than two windows out: the rest crowd the last of them and, refused, come back sooner', () => {
    // Given a container with a share of 4 (2 created: 2 × 1.25, rounded up, plus one)
    const spread = createDeferralSpread();
    for (let i = 0; i < 2; i += 1) spread.created();
    // When it defers 20 requests
    const slots = Array.from({ length: 20 }, () => spread.slot(NOW + WINDOW_MS, NOW));
    // Then 4 come back at the opening, 4 a window later, and the other 12 two windows later
    expect(slots.filter((slot) => slot === NOW + WINDOW_MS)).toHaveLength(4);
    expect(slots.filter((slot) => slot === NOW + 2 * WINDOW_MS)).toHaveLength(4);
    expect(slots.filter((slot) => slot === NOW + 3 * WINDOW_MS)).toHaveLength(12);
  });
});
