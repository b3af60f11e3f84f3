// Row 7 of `npm run bench`: 1,000 targets deploying at once.
export async function run() {
  throw new Error("row 7 (1,000 targets at once) is not built yet");
}
