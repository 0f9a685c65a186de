/**
 * Attempts in flight per endpoint on this instance, bounded so that one slow or dead endpoint (each attempt
 * may hang for the whole timeout) holds at most `limit` of the scheduler's workers and never delays another
 * endpoint's deliveries. An attempt that finds no free slot is put back a little later instead of waiting.
 */
export class EndpointSlots {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError("an endpoint needs at least one slot");
  }

  /** Takes a slot for `endpointId`; false when all of its slots are taken. */
  tryTake(endpointId: string): boolean {
    const used = this.inFlight.get(endpointId) ?? 0;
    if (used >= this.limit) return false;
    this.inFlight.set(endpointId, used + 1);
    return true;
  }

  release(endpointId: string): void {
    const used = this.inFlight.get(endpointId) ?? 0;
    if (used <= 1) this.inFlight.delete(endpointId);
    else this.inFlight.set(endpointId, used - 1);
  }
}
