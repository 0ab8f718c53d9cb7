// The main job, in Node: train on the built-in demo practice (on a worker thread), print the
// training report, the 7-day forecast with 90% intervals, the monthly actual-vs-predicted
// comparison and the top upcoming high-value patients. Same story as
// examples/rust/purchase_forecast.rs and examples/python/purchase_forecast.py.
//
//     make node                                   # builds bindings-node (once)
//     node examples/node/purchase_forecast.mjs [--seed 2026] [--save model.json]
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'

const require = createRequire(import.meta.url)
const { PurchaseForecaster, demoAppointments } = require('../../bindings-node/index.js')

const { values: args } = parseArgs({
  options: { seed: { type: 'string', default: '2026' }, save: { type: 'string' } },
})
const START = '2026-11-23' // a Monday
const LEVEL = 0.9

const { past, upcoming } = demoAppointments({ n_past: 10000, seed: Number(args.seed), start_date: START })
console.log(`Demo practice: ${past.length} past appointments over the last year, ${upcoming.length} upcoming from ${START}\n`)

const t = performance.now()
const model = await PurchaseForecaster.fitAsync(past, { classifier: { seed: 0 } })
console.log(model.reportText())
console.log(`(trained in ${((performance.now() - t) / 1000).toFixed(2)} s)\n`)

const gbp = (x) => Math.round(x).toString().padStart(10)
const end = new Date(Date.parse(START) + 7 * 86400e3).toISOString().slice(0, 10)
const week = upcoming.filter((a) => a.appointment_date < end)
console.log(`7-day forecast (${LEVEL * 100}% prediction intervals, GBP):`)
console.log(`  ${'date'.padEnd(12)} ${'appts'.padStart(6)} ${'expected'.padStart(10)} ${'lower'.padStart(10)} ${'upper'.padStart(10)}`)
for (const p of model.forecast(week, 'day', LEVEL)) {
  console.log(`  ${p.period_start.padEnd(12)} ${String(p.appointments).padStart(6)} ${gbp(p.expected_revenue)} ${gbp(p.lower)} ${gbp(p.upper)}`)
}
const total = model.forecastTotal(week, LEVEL)
console.log(`  ${'7-day total'.padEnd(12)} ${String(total.appointments).padStart(6)} ${gbp(total.expected_revenue)} ${gbp(total.lower)} ${gbp(total.upper)}\n`)

console.log('Monthly actual vs predicted on past appointments (GBP):')
const compare = model.compare(past, 'month', LEVEL)
for (const c of compare) {
  const flag = c.within_interval ? '' : ' outside'
  console.log(`  ${c.period_start.slice(0, 7)}  ${String(c.appointments).padStart(6)} ${gbp(c.actual)} ${gbp(c.predicted)}  ${gbp(c.lower)}-${Math.round(c.upper)}${flag}`)
}
console.log(`  ${compare.filter((c) => c.within_interval).length} of ${compare.length} months inside the interval (in-sample)\n`)

const top = model
  .score(upcoming)
  .filter((s) => s.value_band === 'high')
  .sort((a, b) => b.expected_revenue - a.expected_revenue)
  .slice(0, 5)
console.log('Top upcoming high-value patients:')
for (const s of top) {
  console.log(`  ${s.patient_id}  ${s.appointment_date}  p=${s.probability.toFixed(2)}  expected GBP ${s.expected_revenue.toFixed(0)}`)
}
if (args.save) {
  model.save(args.save)
  console.log(`\nModel saved to ${args.save} (loads in Rust, Python, Node and the browser)`)
}
