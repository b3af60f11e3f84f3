// Baseline server of `npm run bench`: a minimal express 5 route with express.json() answering 202.
import express from "express";

const app = express();
app.get("/readyz", (_req, res) => res.json({ ready: true }));
app.post("/hooks/:source", express.json({ type: () => true }), (_req, res) =>
  res.status(202).json({ deployments: [] }),
);
app.listen(Number(process.argv[2]), "127.0.0.1");
