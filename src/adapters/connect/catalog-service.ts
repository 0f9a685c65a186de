import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CatalogService,
  CategorySchema,
  ProductSchema,
  type Category as ProtoCategory,
  type Product as ProtoProduct,
  type StockMovement as ProtoStockMovement,
  StockMovementSchema,
} from "../../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { adjustStock } from "../../domain/catalog/adjust-stock.js";
import { archiveProduct } from "../../domain/catalog/archive-product.js";
import type { Category } from "../../domain/catalog/category.js";
import { createCategory } from "../../domain/catalog/create-category.js";
import { createProduct } from "../../domain/catalog/create-product.js";
import { getProduct } from "../../domain/catalog/get-product.js";
import { listCategories } from "../../domain/catalog/list-categories.js";
import { listLowStock } from "../../domain/catalog/list-low-stock.js";
import { listProducts } from "../../domain/catalog/list-products.js";
import { listStockMovements } from "../../domain/catalog/list-stock-movements.js";
import type { CatalogDeps } from "../../domain/catalog/ports.js";
import type { Product } from "../../domain/catalog/product.js";
import type { StockMovement } from "../../domain/catalog/stock.js";
import { updateProduct } from "../../domain/catalog/update-product.js";
import { moneyFromProto, moneyToProto } from "./money-mapping.js";
import { requirePrincipal } from "./rpc-context.js";

// Who may call each RPC is declared in access-policy.ts and enforced by the auth interceptor before any of
// these run; the handlers only translate between the wire and the use cases.

export function categoryToProto(c: Category): ProtoCategory {
  return create(CategorySchema, {
    id: c.id,
    slug: c.slug,
    name: c.name,
    description: c.description,
    createTime: timestampFromDate(c.createTime),
  });
}

export function productToProto(p: Product): ProtoProduct {
  return create(ProductSchema, {
    id: p.id,
    name: p.name,
    description: p.description,
    categoryId: p.categoryId,
    price: moneyToProto(p.price),
    stockQuantity: p.stockQuantity,
    archived: p.archived,
    createTime: timestampFromDate(p.createTime),
    updateTime: timestampFromDate(p.updateTime),
  });
}

function movementToProto(m: StockMovement): ProtoStockMovement {
  return create(StockMovementSchema, {
    id: m.id,
    productId: m.productId,
    delta: m.delta,
    resultingQuantity: m.resultingQuantity,
    reason: m.reason,
    actorId: m.actorId ?? "",
    referenceId: m.referenceId ?? "",
    createTime: timestampFromDate(m.createTime),
  });
}

export function catalogService(deps: CatalogDeps): ServiceImpl<typeof CatalogService> {
  return {
    async createCategory(req) {
      return { category: categoryToProto(await createCategory(deps, req)) };
    },
    async listCategories(req) {
      const page = await listCategories(deps, req);
      return { categories: page.items.map(categoryToProto), nextPageToken: page.nextCursor ?? "" };
    },
    async createProduct(req, ctx) {
      const product = await createProduct(deps, {
        name: req.name,
        description: req.description,
        categoryId: req.categoryId,
        price: moneyFromProto(req.price),
        initialStock: req.initialStock,
        actorId: requirePrincipal(ctx).userId,
      });
      return { product: productToProto(product) };
    },
    async updateProduct(req) {
      const product = await updateProduct(deps, {
        productId: req.product?.id ?? "",
        name: req.product?.name ?? "",
        description: req.product?.description ?? "",
        categoryId: req.product?.categoryId ?? "",
        price: moneyFromProto(req.product?.price),
        updateMask: req.updateMask?.paths ?? [],
      });
      return { product: productToProto(product) };
    },
    async archiveProduct(req) {
      return { product: productToProto(await archiveProduct(deps, req.productId)) };
    },
    async getProduct(req) {
      return { product: productToProto(await getProduct(deps, req.productId)) };
    },
    async listProducts(req) {
      const page = await listProducts(deps, req);
      return { products: page.items.map(productToProto), nextPageToken: page.nextCursor ?? "" };
    },
    async adjustStock(req, ctx) {
      const product = await adjustStock(deps, { ...req, actorId: requirePrincipal(ctx).userId });
      return { product: productToProto(product) };
    },
    async listStockMovements(req) {
      const page = await listStockMovements(deps, req);
      return { movements: page.items.map(movementToProto), nextPageToken: page.nextCursor ?? "" };
    },
    async listLowStock(req) {
      const page = await listLowStock(deps, req);
      return { products: page.items.map(productToProto), nextPageToken: page.nextCursor ?? "" };
    },
  };
}

export { CatalogService };
