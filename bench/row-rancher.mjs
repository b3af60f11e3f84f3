// Rows 5–6 of `npm run bench`: Rancher API calls per deployment and `upgraded` → `finishupgrade` delay.
export async function run() {
  throw new Error(
    "rows 5–6 (Rancher API calls per deployment, upgraded → finishupgrade delay) are not built yet",
  );
}
