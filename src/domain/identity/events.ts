import type { DomainEvent } from "../shared/domain-event.js";
import type { Role } from "./role.js";

export type UserRegistered = DomainEvent<
  "identity.user_registered",
  { userId: string; email: string; username: string; role: Role; createTime: Date }
>;

export type IdentityEvent = UserRegistered;
