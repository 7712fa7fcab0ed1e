/** A clock that moves only when told to, for stores that accept an injected `now`. */
export class ManualClock {
  #time: number;

  constructor(start: number = Date.now()) {
    this.#time = start;
  }

  readonly now = (): number => this.#time;

  advance(ms: number): void {
    this.#time += ms;
  }
}
