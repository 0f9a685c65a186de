/** Time, through a port so rules about expiry and ordering are tested without waiting. */
export interface Clock {
  now(): Date;
}
