import type { UserRepository } from "../../domain/identity/ports.js";
import type { Role } from "../../domain/identity/role.js";
import type { User } from "../../domain/identity/user.js";
import { AlreadyExists } from "../../domain/shared/errors.js";
import { isId } from "../../domain/shared/id-format.js";
import type { SqlExecutor } from "./database.js";
import { uniqueViolation } from "./unique-violation.js";

interface UserRow {
  id: string;
  email: string;
  username: string;
  role: Role;
  password_hash: string;
  create_time: Date;
  office_code: string | null;
  brands: string[];
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  username: r.username,
  role: r.role,
  passwordHash: r.password_hash,
  createTime: r.create_time,
  officeCode: r.office_code ?? undefined,
  brands: r.brands,
});

export class PostgresUserRepository implements UserRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async insert(user: User): Promise<void> {
    try {
      await this.sql`
        insert into users (id, email, username, role, password_hash, create_time, office_code, brands)
        values (${user.id}, ${user.email}, ${user.username}, ${user.role}, ${user.passwordHash}, ${user.createTime},
                ${user.officeCode ?? null}, ${this.sql.json([...(user.brands ?? [])])})`;
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint === "users_email_key")
        throw new AlreadyExists("email: an account with this email exists", "email");
      if (constraint === "users_username_key")
        throw new AlreadyExists("username: this username is taken", "username");
      throw error;
    }
  }

  async findById(id: string): Promise<User | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<UserRow[]>`select * from users where id = ${id}`;
    return row && toUser(row);
  }

  async findByLogin(login: string): Promise<User | undefined> {
    const key = login.toLowerCase();
    const [row] = await this.sql<UserRow[]>`
      select * from users where lower(username) = ${key} or lower(email) = ${key} limit 1`;
    return row && toUser(row);
  }

  async findTaken(email: string, username: string): Promise<{ email: boolean; username: boolean }> {
    const [row] = await this.sql<{ email: boolean; username: boolean }[]>`
      select exists(select 1 from users where lower(email) = ${email.toLowerCase()}) as email,
             exists(select 1 from users where lower(username) = ${username.toLowerCase()}) as username`;
    return { email: row?.email ?? false, username: row?.username ?? false };
  }

  async existsWithRole(role: Role): Promise<boolean> {
    const [row] = await this.sql<
      { exists: boolean }[]
    >`select exists(select 1 from users where role = ${role})`;
    return row?.exists ?? false;
  }
}
