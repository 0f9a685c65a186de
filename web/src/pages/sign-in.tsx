import { createClient } from "@connectrpc/connect";
import { type FormEvent, useState } from "react";
import { IdentityService } from "../../../gen/shopfloor/identity/v1/identity_pb.js";
import { useSession } from "../session.js";
import { anonymousTransport } from "../transport.js";
import { Field, FormError, useAction } from "../ui.js";

const identity = createClient(IdentityService, anonymousTransport);

export function SignInPage() {
  const session = useSession();
  const [mode, setMode] = useState<"sign-in" | "register">("sign-in");
  const [login, setLogin] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { error, setError, run } = useAction();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    await run(async () => {
      // A new customer account, then straight in with it.
      if (mode === "register") await identity.register({ email, username: login, password });
      await session.signIn(login, password);
    });
    setBusy(false);
  };
  const registering = mode === "register";
  return (
    <main className="sign-in">
      <h1>Shopfloor</h1>
      <form onSubmit={submit} aria-label={registering ? "create an account" : "sign in"}>
        {registering ? (
          <Field label="Email" name="email" error={error}>
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                type="email"
                autoComplete="email"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                required
              />
            )}
          </Field>
        ) : null}
        <Field
          label={registering ? "Username" : "Username or email"}
          name={["login", "username"]}
          error={error}
        >
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              autoComplete="username"
              value={login}
              onChange={(e) => setLogin(e.target.value)}
              required
            />
          )}
        </Field>
        <Field
          label="Password"
          name="password"
          error={error}
          hint={registering ? "8–128 characters" : undefined}
        >
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="password"
              autoComplete={registering ? "new-password" : "current-password"}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          )}
        </Field>
        <FormError error={error} shown={["login", "username", "email", "password"]} />
        <button type="submit" disabled={busy}>
          {busy ? "One moment…" : registering ? "Create account" : "Sign in"}
        </button>{" "}
        <button
          type="button"
          className="link"
          onClick={() => {
            setError(undefined);
            setMode(registering ? "sign-in" : "register");
          }}
        >
          {registering ? "I have an account" : "Create an account"}
        </button>
      </form>
      <p className="hint">
        The embedded demo prints its logins at start: <code>admin@shopfloor.local</code> and{" "}
        <code>customer@shopfloor.local</code>.
      </p>
    </main>
  );
}
