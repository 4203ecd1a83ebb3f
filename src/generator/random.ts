// A small seeded PRNG (mulberry32): the same seed gives the same district, on any machine.

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** A count around `mean`: whole part always, fraction by chance, spread for larger means. */
  count(mean: number): number {
    if (mean <= 0) return 0;
    if (mean < 2) return Math.floor(mean) + (this.chance(mean - Math.floor(mean)) ? 1 : 0);
    return Math.max(0, Math.round(mean * (0.5 + this.next())));
  }
}
