import { useMutation } from "@connectrpc/connect-query";
import { type FormEvent, useState } from "react";
import { IdentityService, Role } from "../../../gen/shopfloor/identity/v1/identity_pb.js";
import { enumWord } from "../format.js";
import { Field, FormError, useAction } from "../ui.js";

const ROLES = [Role.CUSTOMER, Role.ADMIN, Role.REGIONAL_OFFICE, Role.MANUFACTURER];

export function UsersPage() {
  const [email, setEmail] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState(Role.CUSTOMER);
  const { error, run } = useAction();
  const [created, setCreated] = useState<string>();
  const createUser = useMutation(IdentityService.method.createUser);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setCreated(undefined);
    await run(async () => {
      const r = await createUser.mutateAsync({ email, username, password, role });
      setCreated(`${r.user?.username} (${enumWord(Role[r.user?.role ?? 0])})`);
      setEmail("");
      setUsername("");
      setPassword("");
    });
  };
  return (
    <section>
      <h1>Users</h1>
      <form className="card" onSubmit={submit} aria-label="new user">
        <h2>New user</h2>
        <Field label="Email" name="email" error={error}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label="Username" name="username" error={error}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          )}
        </Field>
        <Field label="Password" name="password" error={error} hint="8–128 characters">
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <Field label="Role" name="role" error={error}>
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              value={role}
              onChange={(e) => setRole(Number(e.target.value) as Role)}
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {enumWord(Role[r])}
                </option>
              ))}
            </select>
          )}
        </Field>
        <FormError error={error} shown={["email", "username", "password", "role"]} />
        <button type="submit" disabled={createUser.isPending}>
          Create user
        </button>
        {created ? <p role="status">Created {created}.</p> : null}
      </form>
    </section>
  );
}
