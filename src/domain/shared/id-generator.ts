/** New opaque, time-ordered ids (UUIDv7 in production). */
export interface IdGenerator {
  newId(): string;
}
