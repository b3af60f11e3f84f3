// `node --import bench/count-modules.mjs …`: counts the files a process loads (ESM through a loader
// hook, CommonJS through Module.prototype._compile) and writes {esm, cjs} to $BENCH_MODULES_OUT at exit.
import { register, Module } from "node:module";
import { writeFileSync } from "node:fs";
import { MessageChannel } from "node:worker_threads";

const { port1, port2 } = new MessageChannel();
let esm = 0;
let cjs = 0;
port1.on("message", () => (esm += 1));
port1.unref();
register(
  "data:text/javascript," +
    encodeURIComponent(
      `let p; export function initialize(d){p=d.port} export async function load(u,c,n){if(u.startsWith("file:"))p.postMessage(1);return n(u,c)}`,
    ),
  { data: { port: port2 }, transferList: [port2] },
);
const compile = Module.prototype._compile;
Module.prototype._compile = function (...args) {
  cjs += 1;
  return compile.apply(this, args);
};
process.on("exit", () => writeFileSync(process.env.BENCH_MODULES_OUT, JSON.stringify({ esm, cjs })));
