import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { IdentityService, Role } from "../../../gen/shopfloor/identity/v1/identity_pb.js";
import { ManufacturingService } from "../../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { readable } from "../errors.js";
import { enumWord, formatTime } from "../format.js";
import { Field, FormError, Loading, useAction } from "../ui.js";

/** A secret the server shows once: displayed until the admin dismisses it, never stored by the page. */
export function OneTimeSecret(props: { label: string; id: string; secret: string; onDone: () => void }) {
  return (
    <div className="card secret" role="status" aria-label="one-time secret">
      <p>
        <strong>{props.label}</strong> — copy it now: it is shown only once.
      </p>
      <p>
        Id <code data-testid="secret-id">{props.id}</code>
      </p>
      <p>
        Secret <code data-testid="secret-value">{props.secret}</code>
      </p>
      <div className="actions">
        <button type="button" onClick={() => void navigator.clipboard?.writeText(props.secret)}>
          Copy secret
        </button>
        <button type="button" className="link" onClick={props.onDone}>
          I have stored it
        </button>
      </div>
    </div>
  );
}

export function PartnersPage() {
  const client = useQueryClient();
  const list = useQuery(IdentityService.method.listPartnerClients, {});
  const brands = useQuery(ManufacturingService.method.listBrands, {});
  const [name, setName] = useState("");
  const [role, setRole] = useState(Role.REGIONAL_OFFICE);
  const [officeCode, setOfficeCode] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const { error, run } = useAction();
  const [secret, setSecret] = useState<{ id: string; secret: string; label: string }>();
  const create = useMutation(IdentityService.method.createPartnerClient);
  const rotate = useMutation(IdentityService.method.rotatePartnerClientSecret);
  const disable = useMutation(IdentityService.method.disablePartnerClient);
  const office = role === Role.REGIONAL_OFFICE;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await run(async () => {
      const r = await create.mutateAsync({
        name,
        role,
        officeCode: office ? officeCode : "",
        brands: office ? [] : chosen,
      });
      setSecret({ id: r.clientId, secret: r.clientSecret, label: `Client “${name}” created` });
      setName("");
      setOfficeCode("");
      setChosen([]);
      await client.invalidateQueries();
    });
  };
  return (
    <section>
      <h1>Partner clients</h1>
      {secret ? <OneTimeSecret {...secret} onDone={() => setSecret(undefined)} /> : null}
      {list.isPending ? <Loading what="partner clients" /> : null}
      {list.error ? <FormError error={readable(list.error)} /> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Office / brands</th>
              <th>Secret issued</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data?.clients.map((c) => (
              <tr key={c.clientId}>
                <td>{c.name}</td>
                <td>{enumWord(Role[c.role])}</td>
                <td>{c.officeCode || c.brands.join(", ")}</td>
                <td>{formatTime(c.secretCreateTime)}</td>
                <td>{c.disabled ? <span className="status status-cancelled">disabled</span> : "active"}</td>
                <td className="actions">
                  {!c.disabled ? (
                    <>
                      <button
                        type="button"
                        onClick={async () => {
                          const r = await rotate.mutateAsync({ clientId: c.clientId });
                          setSecret({
                            id: r.clientId,
                            secret: r.clientSecret,
                            label: `New secret for “${c.name}”`,
                          });
                        }}
                      >
                        Rotate secret
                      </button>
                      <button
                        type="button"
                        className="danger"
                        onClick={async () => {
                          if (!window.confirm(`Disable “${c.name}” for good?`)) return;
                          await disable.mutateAsync({ clientId: c.clientId });
                          await client.invalidateQueries();
                        }}
                      >
                        Disable
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="card" onSubmit={submit} aria-label="new partner client">
        <h2>New partner client</h2>
        <Field label="Name" name="name" error={error}>
          {(id, d) => (
            <input id={id} aria-describedby={d} value={name} onChange={(e) => setName(e.target.value)} />
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
              <option value={Role.REGIONAL_OFFICE}>Regional office</option>
              <option value={Role.MANUFACTURER}>Manufacturer</option>
            </select>
          )}
        </Field>
        {office ? (
          <Field label="Office code" name="office_code" error={error} hint="e.g. PRG-1">
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                value={officeCode}
                onChange={(e) => setOfficeCode(e.target.value)}
              />
            )}
          </Field>
        ) : (
          <fieldset className="field">
            <legend>Brands</legend>
            {brands.data?.brands.map((b) => (
              <label key={b.code} className="check">
                <input
                  type="checkbox"
                  checked={chosen.includes(b.code)}
                  onChange={(e) =>
                    setChosen((c) => (e.target.checked ? [...c, b.code] : c.filter((x) => x !== b.code)))
                  }
                />{" "}
                {b.name}
              </label>
            ))}
            {error?.fields.brands ? (
              <small className="field-error" role="alert" data-field="brands">
                {error.fields.brands}
              </small>
            ) : null}
          </fieldset>
        )}
        <FormError error={error} shown={["name", "role", "office_code", "brands"]} />
        <button type="submit" disabled={create.isPending}>
          Create client
        </button>
      </form>
    </section>
  );
}
