import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Role } from "../../../gen/shopfloor/identity/v1/identity_pb.js";
import {
  ManufacturingService,
  type Purchase,
  PurchaseState,
} from "../../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { readable } from "../errors.js";
import { enumWord, formatTime } from "../format.js";
import { useSession } from "../session.js";
import { EnumFilter, FormError, Loading, Pager, useAction, usePager } from "../ui.js";

const STATES = [
  PurchaseState.ORDERED,
  PurchaseState.IN_PRODUCTION,
  PurchaseState.BUILT,
  PurchaseState.SHIPPED,
  PurchaseState.DELIVERED,
  PurchaseState.CANCELLED,
];
/** The moves the lifecycle allows from each state (the server checks them again). */
const NEXT: Partial<Record<PurchaseState, PurchaseState[]>> = {
  [PurchaseState.ORDERED]: [PurchaseState.IN_PRODUCTION, PurchaseState.CANCELLED],
  [PurchaseState.IN_PRODUCTION]: [PurchaseState.BUILT, PurchaseState.CANCELLED],
  [PurchaseState.BUILT]: [PurchaseState.SHIPPED, PurchaseState.CANCELLED],
  [PurchaseState.SHIPPED]: [PurchaseState.DELIVERED],
};

export function PurchaseStateBadge({ state }: { state: PurchaseState }) {
  const name = PurchaseState[state] ?? "UNSPECIFIED";
  return (
    <span className={`status purchase-${name.toLowerCase()}`} data-state={name}>
      {enumWord(name)}
    </span>
  );
}

/** Purchases as the caller may see them: an admin all, an office its own, a manufacturer its brands'. */
export function PurchasesPage() {
  const { user } = useSession();
  const client = useQueryClient();
  const [brand, setBrand] = useState("");
  const [state, setState] = useState(PurchaseState.UNSPECIFIED);
  const { error, run } = useAction();
  const pager = usePager();
  const brands = useQuery(ManufacturingService.method.listBrands, {});
  const list = useQuery(
    ManufacturingService.method.listPurchases,
    { brand, state, pageSize: 20, pageToken: pager.token },
    { refetchInterval: 5_000 },
  );
  const update = useMutation(ManufacturingService.method.updatePurchaseState);
  const canMove = user?.role === Role.ADMIN || user?.role === Role.MANUFACTURER;
  const visibleBrands = (brands.data?.brands ?? []).filter(
    (b) => user?.role !== Role.MANUFACTURER || user.brands.includes(b.code),
  );
  const move = async (p: Purchase, to: PurchaseState) => {
    await run(async () => {
      await update.mutateAsync({ purchaseId: p.id, state: to });
      await client.invalidateQueries();
    });
  };
  return (
    <section>
      <h1>Purchases</h1>
      <div className="toolbar">
        <label>
          Brand{" "}
          <select
            value={brand}
            onChange={(e) => {
              setBrand(e.target.value);
              pager.reset();
            }}
          >
            <option value="">All</option>
            {visibleBrands.map((b) => (
              <option key={b.code} value={b.code}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
        <EnumFilter
          label="State"
          value={state}
          values={STATES}
          names={PurchaseState}
          onChange={(v) => {
            setState(v);
            pager.reset();
          }}
        />
      </div>
      <FormError error={error} />
      {list.isPending ? <Loading what="purchases" /> : null}
      {list.error ? <FormError error={readable(list.error)} /> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Office</th>
              <th>Order number</th>
              <th>Vehicle</th>
              <th>State</th>
              <th>Updated</th>
              {canMove ? <th>Move to</th> : null}
            </tr>
          </thead>
          <tbody>
            {list.data?.purchases.map((p) => (
              <tr key={p.id} data-purchase-id={p.id}>
                <td>{p.officeCode}</td>
                <td>{p.externalOrderNumber}</td>
                <td>
                  {p.brand} {p.carModel}
                </td>
                <td>
                  <PurchaseStateBadge state={p.state} />
                </td>
                <td>{formatTime(p.updateTime)}</td>
                {canMove ? (
                  <td className="actions">
                    {(NEXT[p.state] ?? []).map((s) => (
                      <button
                        key={s}
                        type="button"
                        className={s === PurchaseState.CANCELLED ? "danger" : ""}
                        disabled={update.isPending}
                        onClick={() => void move(p, s)}
                      >
                        {enumWord(PurchaseState[s])}
                      </button>
                    ))}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pager={pager} nextToken={list.data?.nextPageToken} />
    </section>
  );
}
