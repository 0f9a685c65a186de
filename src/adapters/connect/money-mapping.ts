import { create } from "@bufbuild/protobuf";
import { MoneySchema, type Money as ProtoMoney } from "../../../gen/shopfloor/common/v1/common_pb.js";
import type { Money } from "../../domain/shared/money.js";

/**
 * Wire Money (int64 bigint) -> domain Money (JS number). An amount beyond 2^53 becomes an unsafe number,
 * which the domain's price rule refuses as out of range, so nothing here can lose precision silently.
 */
export function moneyFromProto(money: ProtoMoney | undefined): Money | undefined {
  if (!money) return undefined;
  return { currencyCode: money.currencyCode, amountMinor: Number(money.amountMinor) };
}

export function moneyToProto(money: Money): ProtoMoney {
  return create(MoneySchema, { currencyCode: money.currencyCode, amountMinor: BigInt(money.amountMinor) });
}
