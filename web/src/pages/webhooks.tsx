import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Role } from "../../../gen/shopfloor/identity/v1/identity_pb.js";
import {
  DeliveryStatus,
  ManufacturingService,
} from "../../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { readable } from "../errors.js";
import { enumWord, formatTime } from "../format.js";
import { useSession } from "../session.js";
import { EnumFilter, Field, FormError, Loading, Pager, useAction, usePager } from "../ui.js";
import { OneTimeSecret } from "./partners.js";

export function WebhooksPage() {
  const { user } = useSession();
  const client = useQueryClient();
  const [selected, setSelected] = useState<string>();
  const [url, setUrl] = useState("");
  const { error, run } = useAction();
  const [secret, setSecret] = useState<{ id: string; secret: string; label: string }>();
  const list = useQuery(ManufacturingService.method.listWebhooks, {});
  const register = useMutation(ManufacturingService.method.registerWebhook);
  const rotate = useMutation(ManufacturingService.method.rotateWebhookSecret);
  const remove = useMutation(ManufacturingService.method.deleteWebhook);
  const office = user?.role === Role.REGIONAL_OFFICE;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await run(async () => {
      const r = await register.mutateAsync({ url });
      setSecret({ id: r.webhook?.id ?? "", secret: r.secret, label: `Endpoint ${url} registered` });
      setUrl("");
      await client.invalidateQueries();
    });
  };
  return (
    <section>
      <h1>Webhooks</h1>
      {secret ? <OneTimeSecret {...secret} onDone={() => setSecret(undefined)} /> : null}
      {list.isPending ? <Loading what="endpoints" /> : null}
      {list.error ? <FormError error={readable(list.error)} /> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>URL</th>
              <th>Office</th>
              <th>Created</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data?.webhooks.map((w) => (
              <tr key={w.id} className={selected === w.id ? "selected" : ""}>
                <td>
                  <button type="button" className="link" onClick={() => setSelected(w.id)}>
                    {w.url}
                  </button>
                </td>
                <td>{w.officeCode}</td>
                <td>{formatTime(w.createTime)}</td>
                <td>{w.disabled ? `disabled: ${w.disabledReason}` : "active"}</td>
                <td className="actions">
                  <button
                    type="button"
                    onClick={async () => {
                      const r = await rotate.mutateAsync({ webhookId: w.id });
                      setSecret({
                        id: w.id,
                        secret: r.secret,
                        label: `New secret for ${w.url} (the old one signs for 24 h)`,
                      });
                    }}
                  >
                    Rotate secret
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={async () => {
                      if (!window.confirm(`Delete the endpoint ${w.url}?`)) return;
                      await remove.mutateAsync({ webhookId: w.id });
                      if (selected === w.id) setSelected(undefined);
                      await client.invalidateQueries();
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {office ? (
        <form className="card" onSubmit={submit} aria-label="new endpoint">
          <h2>New endpoint</h2>
          <Field label="URL" name="url" error={error} hint="https, reachable from the internet">
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                type="url"
                value={url}
                onChange={(e) => setUrl(e.target.value)}
              />
            )}
          </Field>
          <FormError error={error} shown={["url"]} />
          <button type="submit" disabled={register.isPending}>
            Register endpoint
          </button>
        </form>
      ) : null}
      {selected ? (
        <Deliveries webhookId={selected} />
      ) : (
        <p className="hint">Choose an endpoint to see its deliveries.</p>
      )}
    </section>
  );
}

const STATUSES = [DeliveryStatus.PENDING, DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED];

function Deliveries({ webhookId }: { webhookId: string }) {
  const client = useQueryClient();
  const [status, setStatus] = useState(DeliveryStatus.UNSPECIFIED);
  const { error, run } = useAction();
  const pager = usePager();
  const list = useQuery(
    ManufacturingService.method.listWebhookDeliveries,
    { webhookId, status, pageSize: 20, pageToken: pager.token },
    { refetchInterval: 3_000 },
  );
  const redeliver = useMutation(ManufacturingService.method.redeliverWebhook);
  return (
    <section aria-label="delivery log">
      <h2>Delivery log</h2>
      <div className="toolbar">
        <EnumFilter
          label="Status"
          value={status}
          values={STATUSES}
          names={DeliveryStatus}
          onChange={(v) => {
            setStatus(v);
            pager.reset();
          }}
        />
      </div>
      <FormError error={error ?? (list.error ? readable(list.error) : undefined)} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>webhook-id</th>
              <th>Event</th>
              <th>Status</th>
              <th className="num">Attempts</th>
              <th className="num">Last HTTP status</th>
              <th>Last error</th>
              <th>Next attempt</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data?.deliveries.map((d) => (
              <tr key={d.id} data-delivery-id={d.id}>
                <td>
                  <code>{d.id}</code>
                </td>
                <td>{d.eventType}</td>
                <td data-status={DeliveryStatus[d.status]}>{enumWord(DeliveryStatus[d.status])}</td>
                <td className="num">{d.attempts}</td>
                <td className="num">{d.lastStatusCode || "—"}</td>
                <td>{d.lastError}</td>
                <td>{formatTime(d.nextAttemptTime)}</td>
                <td>
                  <button
                    type="button"
                    onClick={async () => {
                      await run(async () => {
                        await redeliver.mutateAsync({ deliveryId: d.id });
                        await client.invalidateQueries();
                      });
                    }}
                  >
                    Redeliver
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pager={pager} nextToken={list.data?.nextPageToken} />
    </section>
  );
}
