// Open-loop load generator of `npm run bench` (a child process): sends POSTs at a fixed rate on many
// sockets, each scheduled at its DUE time; latency is measured from the due time (no coordinated
// omission). Usage: node bench/open-loop.mjs PORT RATE SECONDS PREFIX → one JSON line on stdout.
import { Agent, request } from "node:http";
import { registryBody, REGISTRY_HEADERS, pct } from "./bench-lib.mjs";

const [port, rate, seconds, prefix] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  Number(process.argv[4]),
  process.argv[5] ?? "o",
];
const agent = new Agent({ keepAlive: true, maxSockets: 512 });
const total = Math.round(rate * seconds);
const lat = [];
let ok = 0,
  errors = 0,
  sent = 0,
  done = 0;
const t0 = performance.now() + 50;
await new Promise((finish) => {
  const tick = () => {
    const now = performance.now();
    while (sent < total && t0 + (sent * 1000) / rate <= now) {
      const due = t0 + (sent * 1000) / rate;
      const body = registryBody(sent, `${prefix}${process.pid}`);
      sent += 1;
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/hooks/registry",
          method: "POST",
          headers: REGISTRY_HEADERS,
          agent,
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            lat.push(performance.now() - due);
            if (res.statusCode >= 200 && res.statusCode < 300) ok += 1;
            else errors += 1;
            if (++done === total) finish();
          });
        },
      );
      req.on("error", () => {
        errors += 1;
        if (++done === total) finish();
      });
      req.end(body);
    }
    if (sent < total) setTimeout(tick, 1);
  };
  setTimeout(tick, 50);
});
lat.sort((a, b) => a - b);
process.stdout.write(
  JSON.stringify({
    sent,
    ok,
    errors,
    p50: pct(lat, 0.5),
    p99: pct(lat, 0.99),
    max: lat.at(-1),
    seconds: (performance.now() - t0) / 1000,
  }) + "\n",
);
agent.destroy();
