// The JavaScript runtimes side by side, in one process and one run: the Node addon (native,
// napi-rs) and the WebAssembly module (pkg-node/, the same code the browser runs), on the
// same demo data. Medians of repeated runs; the ratio is WASM time / native time.
//
//     make bench-js            (builds both first)
//     node benches/js/bindings.mjs [--past 20000] [--upcoming 100000] [--repeats 7]
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { cpus } from 'node:os'

const require = createRequire(import.meta.url)
const native = require('../../bindings-node/index.js')
const wasm = require('../../bindings-wasm/pkg-node/optocom.js')

const { values: args } = parseArgs({
  options: {
    past: { type: 'string', default: '20000' },
    upcoming: { type: 'string', default: '100000' },
    repeats: { type: 'string', default: '7' },
  },
})
const repeats = Number(args.repeats)
const data = native.demoAppointments({ n_past: Number(args.past), n_upcoming: Number(args.upcoming), seed: 7 })
const header = Object.keys(data.upcoming[0])
const csv = [header.join(',')]
  .concat(data.upcoming.map((a) => header.map((k) => (a[k] === null ? '' : String(a[k]))).join(',')))
  .join('\n')
const { patient_id, appointment_date, amount, ...patient } = data.upcoming[0]

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}
function time(f, n = repeats) {
  const out = []
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint()
    f()
    out.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  return median(out)
}
function perCall(f, calls = 2000) {
  f()
  return time(() => {
    for (let i = 0; i < calls; i++) f()
  }) / calls
}

const rows = []
const models = {}
for (const [name, m] of [['native', native], ['wasm', wasm]]) {
  models[name] = m.PurchaseForecaster.fit(data.past)
}
// Same bits from both runtimes, or the comparison means nothing.
const a = models.native.score(data.upcoming.slice(0, 1000))
const b = models.wasm.score(data.upcoming.slice(0, 1000))
if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error('the runtimes disagree')

const cases = [
  [`fit, ${data.past.length} past appointments (ms)`, (m) => () => m.PurchaseForecaster.fit(data.past)],
  [`score ${data.upcoming.length} appointments as records (ms)`, (m, model) => () => model.score(data.upcoming)],
  [`score ${data.upcoming.length} appointments as CSV text (ms)`, (m, model) => () => model.score(csv)],
  [`forecastTotal of the same CSV text: parse and score, one small result (ms)`, (m, model) => () => model.forecastTotal(csv)],
  ['predictPatient, one patient (us)', (m, model) => () => model.predictPatient(patient), true],
]
for (const [what, make, single] of cases) {
  const t = {}
  for (const name of ['native', 'wasm']) {
    const f = make(name === 'native' ? native : wasm, models[name])
    t[name] = single ? perCall(f) * 1000 : time(f)
  }
  rows.push([what, t.native, t.wasm, t.wasm / t.native])
}

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))
console.log(`node ${process.version}, ${cpus().length} cores, medians of ${repeats} runs, ${new Date().toISOString().slice(0, 16)}Z\n`)
console.log('| | Node addon (native) | WASM (pkg-node) | WASM / native |')
console.log('|---|---|---|---|')
for (const [what, n, w, r] of rows) console.log(`| ${what} | ${fmt(n)} | ${fmt(w)} | ${r.toFixed(2)}x |`)
