import type { Clock } from "../shared/clock.js";
import type { EventOutbox } from "../shared/domain-event.js";
import type { IdGenerator } from "../shared/id-generator.js";
import type { PageTokens } from "../shared/page-tokens.js";
import type { ProcessedEvents } from "../shared/processed-events.js";
import type { UnitOfWork } from "../shared/unit-of-work.js";
import type { Brand } from "./brand.js";
import type { Purchase, PurchaseStateChange } from "./purchase.js";
import type { PurchaseState } from "./purchase-state.js";
import type { Sale } from "./sale.js";

export interface BrandRepository {
  /** By code. */
  list(): Promise<Brand[]>;
  findByCode(code: string): Promise<Brand | undefined>;
  /** Throws AlreadyExists when the code is taken. */
  insert(brand: Brand): Promise<void>;
  /** Saves name and car models. */
  update(brand: Brand): Promise<void>;
}

/** What recording a sale found. */
export interface RecordedSale {
  /** The sale stored for the office and external number: this one, or the first one submitted. */
  readonly sale: Sale;
  /** False when an earlier submission of the same office and external number was found. */
  readonly created: boolean;
}

/** The sales SubmitSale accepted, one per office and external order number. */
export interface SaleIntake {
  /**
   * Stores the sale unless its office already submitted its external number; concurrent submissions of one
   * sale are decided by the database (one inserts, the others wait for it and then find it).
   */
  record(sale: Sale): Promise<RecordedSale>;
  /**
   * Sales submitted before `before` whose purchase is not written yet, oldest first, locked until the
   * transaction ends; sales another transaction holds are skipped, so writers never queue behind each other.
   */
  unwritten(before: Date, limit: number): Promise<Sale[]>;
  /** Records that the sale's purchase is written. */
  markWritten(purchaseId: string): Promise<void>;
}

export interface PurchaseListQuery {
  readonly officeCode?: string | undefined;
  /** Only purchases of these brands (a manufacturer's scope). */
  readonly brands?: readonly string[] | undefined;
  readonly state?: PurchaseState | undefined;
  /** Keyset: only purchases with an id below this one (newer first). */
  readonly beforeId?: string | undefined;
  readonly limit: number;
}

export interface PurchaseRepository {
  /** Writes a purchase with its first history entry unless one with its id exists: false then. */
  insertIfAbsent(purchase: Purchase): Promise<boolean>;
  findById(id: string): Promise<Purchase | undefined>;
  /** Reads and locks the purchase until the transaction ends, so its state changes run one after another. */
  findForUpdate(id: string): Promise<Purchase | undefined>;
  /** Saves the new state and adds `change` to the history as entry `seq` (1 for the first change). */
  recordStateChange(purchaseId: string, seq: number, change: PurchaseStateChange): Promise<void>;
  /** A brand's purchases in `state`, oldest first, with ids above `afterId`. */
  listQueue(
    brand: string,
    state: PurchaseState,
    afterId: string | undefined,
    limit: number,
  ): Promise<Purchase[]>;
  /** Newest first. */
  list(query: PurchaseListQuery): Promise<Purchase[]>;
}

export interface ManufacturingTx {
  readonly brands: BrandRepository;
  readonly intake: SaleIntake;
  readonly purchases: PurchaseRepository;
  readonly outbox: EventOutbox;
  readonly processedEvents: ProcessedEvents;
}

export interface ManufacturingDeps {
  readonly uow: UnitOfWork<ManufacturingTx>;
  /** For reads outside a transaction. */
  readonly brands: BrandRepository;
  readonly purchases: PurchaseRepository;
  readonly intake: SaleIntake;
  readonly pageTokens: PageTokens;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}
