import { type FieldViolation, InvalidArgument } from "./errors.js";

/**
 * Collects every field violation of one request so a caller learns all that is wrong at once,
 * then throws them together as one InvalidArgument.
 */
export class Violations {
  private readonly list: FieldViolation[] = [];

  add(field: string, description: string): void {
    this.list.push({ field, description });
  }

  check(ok: boolean, field: string, description: string): void {
    if (!ok) this.add(field, description);
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new InvalidArgument(this.list);
  }
}
