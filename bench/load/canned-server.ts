// The ceiling of the read RPCs, run as its own process by bench/bench.ts: connect-node from the same
// generated code answering GetProduct, ListProducts and GetOrder with canned responses (the app's own answers,
// captured by the bench), over HTTP/1.1 like the app. Prints its URL on stdout.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  CatalogService,
  GetProductResponseSchema,
  ListProductsResponseSchema,
} from "../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { GetOrderResponseSchema, OrderService } from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { inputOf } from "./load-result.js";

interface Input {
  readonly getProduct: JsonValue;
  readonly listProducts: JsonValue;
  readonly getOrder: JsonValue;
}

const input = inputOf<Input>();
const getProduct = fromJson(GetProductResponseSchema, input.getProduct);
const listProducts = fromJson(ListProductsResponseSchema, input.listProducts);
const getOrder = fromJson(GetOrderResponseSchema, input.getOrder);

const handler = connectNodeAdapter({
  routes: (router: ConnectRouter) => {
    router.service(CatalogService, { getProduct: () => getProduct, listProducts: () => listProducts });
    router.service(OrderService, { getOrder: () => getOrder });
  },
  grpc: false,
});
const server = createServer((req, res) => void handler(req, res));
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
