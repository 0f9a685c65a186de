// Load over gRPC with grpc-js, run as its own process by bench/bench.ts: `connections` concurrent callers on
// one channel (HTTP/2 multiplexes them), each sending one of `requests` (protobuf binary, base64) at random.
import * as grpc from "@grpc/grpc-js";
import { closedLoop, inputOf, printResult } from "./load-result.js";

interface Input {
  readonly address: string;
  /** e.g. /shopfloor.ordering.v1.OrderService/PlaceOrder */
  readonly path: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly requests: ReadonlyArray<{ readonly body: string; readonly token: string }>;
}

const input = inputOf<Input>();
const requests = input.requests.map((r) => {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${r.token}`);
  return { body: Buffer.from(r.body, "base64"), metadata };
});
const client = new grpc.Client(input.address, grpc.credentials.createInsecure());
const identity = (b: Buffer) => b;

const result = await closedLoop(input.connections, input.warmupSeconds, input.seconds, () => {
  const chosen = requests[Math.floor(Math.random() * requests.length)] ?? requests[0];
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      input.path,
      identity,
      identity,
      chosen?.body ?? Buffer.alloc(0),
      chosen?.metadata ?? new grpc.Metadata(),
      (error, response) => (error ? reject(error) : resolve(response)),
    ),
  );
});
client.close();
printResult(result);
