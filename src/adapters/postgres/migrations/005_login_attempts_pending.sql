-- Login throttling also counts the attempts whose password is being checked right now, so parallel guesses
-- cannot slip past the limit (see postgres-login-throttle.ts).
ALTER TABLE login_failures
  ADD COLUMN pending integer NOT NULL DEFAULT 0,
  ALTER COLUMN failures SET DEFAULT 0;
