/**
 * An env that counts every call made through it (test/store/worker-calls.ts): each Durable Object
 * namespace hands out stubs counting their RPC methods, `DELIVERY_QUEUE` counts `send` and
 * `sendBatch` (and the messages they carry), `DB` counts statements run.
 */
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";

/** Calls counted, by `<binding>.<method>` (`EVENT_STORE.admit`, `DELIVERY_QUEUE.sendBatch`, `DB.batch`...). */
export type Tally = Record<string, number>;

/** The Durable Object namespaces counted. */
export const NAMESPACES = ["EVENT_STORE", "EVENT_INDEX", "ROUTE_GATES", "ORDER_LINES"] as const;

/** Adds `n` to `key`. */
export const add = (tally: Tally, key: string, n = 1) => {
  tally[key] = (tally[key] ?? 0) + n;
};

/** A stub whose every method call is counted as `<binding>.<method>`. */
function countedStub<T extends object>(stub: T, binding: string, tally: Tally): T {
  return new Proxy(stub, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof property !== "string" || property === "then" || typeof value !== "function")
        return value;
      // Called on the stub itself: an RPC method's own `apply` would be taken for an RPC call.
      return (...args: unknown[]) => {
        add(tally, `${binding}.${property}`);
        return (target as Record<string, (...a: unknown[]) => unknown>)[property]?.(...args);
      };
    },
  });
}

/** `object` with the methods in `wrap` replaced, the rest bound to it. */
function replacing<T extends object>(object: T, wrap: Record<string, unknown>): T {
  return new Proxy(object, {
    get(target, property) {
      if (typeof property === "string" && property in wrap) return wrap[property];
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A D1 statement whose runs are counted (`DB.run`, `DB.all`...), its bound copies too. */
function countedStatement(statement: D1PreparedStatement, tally: Tally): D1PreparedStatement {
  const run =
    (method: "run" | "all" | "first" | "raw") =>
    (...args: unknown[]) => {
      add(tally, `DB.${method}`);
      add(tally, "D1 statements");
      return (statement[method] as (...a: unknown[]) => unknown).apply(statement, args);
    };
  return replacing(statement, {
    bind: (...values: unknown[]) => countedStatement(statement.bind(...values), tally),
    run: run("run"),
    all: run("all"),
    first: run("first"),
    raw: run("raw"),
  });
}

/**
 * A copy of `env` whose DO namespaces, `DELIVERY_QUEUE` and `DB` count each call in `tally`; the
 * messages sent are also kept in `sent` (and still sent to the real queue).
 */
export function countingEnv(
  env: Env,
  tally: Tally = {},
): { env: Env; tally: Tally; sent: DeliveryMessage[] } {
  const sent: DeliveryMessage[] = [];
  const counted: Record<string, unknown> = {};
  for (const name of NAMESPACES) {
    const namespace = env[name] as unknown as DurableObjectNamespace;
    const stubOf =
      (method: "get" | "getByName") =>
      (...args: unknown[]) =>
        countedStub(
          (namespace[method] as (...a: unknown[]) => object).apply(namespace, args),
          name,
          tally,
        );
    counted[name] = replacing(namespace, { get: stubOf("get"), getByName: stubOf("getByName") });
  }
  const queue = env.DELIVERY_QUEUE;
  counted.DELIVERY_QUEUE = replacing(queue, {
    send: (body: DeliveryMessage, options?: QueueSendOptions) => {
      add(tally, "DELIVERY_QUEUE.send");
      add(tally, "queue messages written");
      sent.push(body);
      return queue.send(body, options);
    },
    sendBatch: (
      messages: MessageSendRequest<DeliveryMessage>[],
      options?: QueueSendBatchOptions,
    ) => {
      add(tally, "DELIVERY_QUEUE.sendBatch");
      add(tally, "queue messages written", messages.length);
      sent.push(...messages.map((message) => message.body));
      return queue.sendBatch(messages, options);
    },
  });
  const db = env.DB;
  counted.DB = replacing(db, {
    prepare: (query: string) => countedStatement(db.prepare(query), tally),
    batch: (statements: D1PreparedStatement[]) => {
      add(tally, "DB.batch");
      add(tally, "D1 statements", statements.length);
      return db.batch(statements);
    },
    exec: (query: string) => {
      add(tally, "DB.exec");
      add(tally, "D1 statements");
      return db.exec(query);
    },
  });
  return { env: { ...env, ...counted } as Env, tally, sent };
}
