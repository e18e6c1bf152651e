// Sums ranges in four worker threads and checks the total.
const { Worker, isMainThread, parentPort, workerData } = require("worker_threads");

if (isMainThread) {
  const n = 4;
  const size = 2_000_000;
  let done = 0;
  let total = 0n;
  for (let i = 0; i < n; i++) {
    const w = new Worker(__filename, { workerData: { from: i * size, to: (i + 1) * size } });
    w.on("message", (sum) => {
      total += BigInt(sum);
      if (++done === n) {
        const last = BigInt(n * size - 1);
        const expected = (last * (last + 1n)) / 2n;
        if (total !== expected) {
          console.error(`wrong total ${total}, expected ${expected}`);
          process.exit(1);
        }
        console.log(`workers ok: ${total}`);
      }
    });
    w.on("error", (e) => {
      console.error(e);
      process.exit(1);
    });
  }
} else {
  let sum = 0;
  for (let i = workerData.from; i < workerData.to; i++) sum += i;
  parentPort.postMessage(String(sum));
}
