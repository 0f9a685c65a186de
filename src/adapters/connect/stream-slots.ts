import { ResourceExhausted } from "../../domain/shared/errors.js";

/**
 * Caps long-lived server streams (WatchOrder) per user and per instance, counted in memory on this
 * instance: each stream holds a subscription and a timer here, so this instance's memory is what the cap
 * protects. A user's streams on other instances are not counted, so the per-user cap holds per instance.
 */
export class StreamSlots {
  private total = 0;
  private readonly perUser = new Map<string, number>();

  constructor(private readonly limits: { readonly perUser: number; readonly perInstance: number }) {}

  /** Takes a slot for `userId`, or throws RESOURCE_EXHAUSTED; the returned function gives it back. */
  acquire(userId: string): () => void {
    const mine = this.perUser.get(userId) ?? 0;
    if (mine >= this.limits.perUser)
      throw new ResourceExhausted(
        `at most ${this.limits.perUser} streams at once per user: close one first`,
        1,
      );
    if (this.total >= this.limits.perInstance)
      throw new ResourceExhausted("this server has as many streams open as it takes: try again shortly", 5);
    this.total += 1;
    this.perUser.set(userId, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left === 0) this.perUser.delete(userId);
      else this.perUser.set(userId, left);
    };
  }

  get open(): number {
    return this.total;
  }
}
