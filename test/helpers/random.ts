// Shared with the benchmarks (bench/ is compiled for `npm run bench:*`, test/ is not).
export { mulberry32 } from "../../bench/random.js";
