#!/usr/bin/env node
// Launcher for the compiled CLI (dist/ is built by `npm ci` through the `prepare` script).
import "../dist/main.js";
