import { describe, expect, it } from 'vitest';
import { MockClock, type Clock } from './clock.js';

const fakeSource = () => {
  let t = 1_000_000;
  const source: Clock = { now: () => t };
  return { source, tick: (ms: number) => (t += ms) };
};

describe('MockClock', () => {
  it('follows its source until moved', () => {
    const { source, tick } = fakeSource();
    const clock = new MockClock({ source });
    expect(clock.now()).toBe(1_000_000);
    tick(500);
    expect(clock.now()).toBe(1_000_500);
  });

  it('advances by seconds, keeps running, and can go back', () => {
    const { source, tick } = fakeSource();
    const clock = new MockClock({ source });
    clock.advance(86_400);
    expect(clock.now()).toBe(1_000_000 + 86_400_000);
    tick(10);
    expect(clock.now()).toBe(1_000_010 + 86_400_000);
    clock.advance(-86_400);
    expect(clock.now()).toBe(1_000_010);
  });

  it('freezes, moves while frozen, and resumes from where it stood', () => {
    const { source, tick } = fakeSource();
    const clock = new MockClock({ source });
    clock.freeze(true);
    tick(1000);
    expect(clock.now()).toBe(1_000_000);
    clock.advance(2);
    expect(clock.now()).toBe(1_002_000);
    clock.freeze(false);
    expect(clock.now()).toBe(1_002_000);
    tick(5);
    expect(clock.now()).toBe(1_002_005);
  });

  it('sets an absolute time, frozen or not, and resets to real time', () => {
    const { source, tick } = fakeSource();
    const clock = new MockClock({ source });
    clock.set(5_000_000);
    tick(1);
    expect(clock.now()).toBe(5_000_001);
    clock.freeze(true);
    clock.set(7_000_000);
    expect(clock.state()).toEqual({ now: new Date(7_000_000).toISOString(), nowMs: 7_000_000, frozen: true, offsetMs: 7_000_000 - 1_000_001 });
    clock.reset();
    expect(clock.now()).toBe(1_000_001);
    expect(clock.state().frozen).toBe(false);
  });

  it('moves by exactly what it is told and reports exactly its offset, however much time each reading of the source takes', () => {
    let t = 1_000_000;
    const clock = new MockClock({ source: { now: () => t++ } });
    clock.advance(3600);
    expect(clock.state().offsetMs).toBe(3_600_000);
    clock.advance(-1.5);
    expect(clock.state().offsetMs).toBe(3_598_500);
  });

  it('is restored as saved: a running clock at its offset, a frozen one at its time', () => {
    let t = 1_000_000;
    const clock = new MockClock({ source: { now: () => t++ } });
    expect(clock.restore({ nowMs: 0, offsetMs: 3_600_000, frozen: false }).offsetMs).toBe(3_600_000);
    expect(clock.restore({ nowMs: 42_000, offsetMs: 0, frozen: true })).toMatchObject({ nowMs: 42_000, frozen: true });
    expect(clock.now()).toBe(42_000);
    expect(() => clock.restore({ nowMs: 0, offsetMs: 9e15, frozen: false })).toThrow(RangeError);
    expect(clock.now()).toBe(42_000);
  });
});
