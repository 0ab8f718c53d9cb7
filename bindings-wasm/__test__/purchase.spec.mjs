// The WebAssembly build of the purchase forecaster, run in Node (the `--target nodejs` build
// in pkg-node/): the JS contract shared with the Node addon
// (bindings-node/__test__/contract/purchase.mjs), plus what only WASM has: the JS clock,
// panics under panic=abort, and exact agreement with the Node addon's training.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { purchaseContract, expectOptocomError } from '../../bindings-node/__test__/contract/purchase.mjs'

const require = createRequire(import.meta.url)
const HERE = dirname(fileURLToPath(import.meta.url))
const PKG = join(HERE, '..', 'pkg-node', 'optocom.js')
const optocom = require(PKG)
const { PurchaseForecaster, readAppointments } = optocom

const { demo, model } = purchaseContract(optocom)

test('the model is stamped from the JS clock (the core has no clock on wasm32-unknown-unknown)', () => {
  assert.match(model.info.trained_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
  assert.ok(Math.abs(Date.parse(model.info.trained_at) - Date.now()) < 10 * 60 * 1000)
})

test('a panic throws an "internal" OptocomError (not a wasm trap) and retires the instance', () => {
  // In a child process: after a panic this instance refuses every call.
  const script = `
    const o = require(${JSON.stringify(PKG)})
    const out = []
    for (const f of [() => o.__panicForTests(), () => o.demoAppointments({ n_past: 10 })]) {
      try { f(); out.push('no error') } catch (e) { out.push([e.name, e.code, e instanceof Error, e.message]) }
    }
    console.log(JSON.stringify(out))`
  const [first, after] = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))
  assert.deepEqual(first.slice(0, 3), ['OptocomError', 'internal', true])
  assert.match(first[3], /panic requested by a test/)
  assert.deepEqual(after.slice(0, 3), ['OptocomError', 'internal', true])
  assert.match(after[3], /reload/)
})

test('a trap (not a panic) throws an "internal" OptocomError and retires the instance too', () => {
  // The trap guard of the glue (trap-guard.js, added by build.sh), in a child process.
  const script = `
    const o = require(${JSON.stringify(PKG)})
    const out = []
    for (const f of [() => o.__trapForTests(), () => o.demoAppointments({ n_past: 10 }), () => o.CampaignAnalytics.sample(1)]) {
      try { f(); out.push('no error') } catch (e) { out.push([e.name, e.code, e instanceof Error, e.message, e.cause && e.cause.constructor.name]) }
    }
    console.log(JSON.stringify(out))`
  const [trap, ...after] = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))
  assert.deepEqual(trap.slice(0, 3), ['OptocomError', 'internal', true])
  assert.match(trap[3], /WebAssembly trap \(unreachable/)
  assert.equal(trap[4], 'RuntimeError')
  for (const a of after) {
    assert.deepEqual(a.slice(0, 3), ['OptocomError', 'internal', true])
    assert.match(a[3], /reload/)
  }
})

// A JS string may hold a lone surrogate, which Rust text cannot: it used to become U+FFFD.
const LONE = 'not valid Unicode text: it holds a lone UTF-16 surrogate (shown as \\uXXXX)'

test('a lone surrogate in a record is an invalid value naming its row and column, never U+FFFD', () => {
  const rows = demo.upcoming.slice(0, 5)
  rows[1] = { ...rows[1], patient_id: 'P\uD800x' }
  const fields = { code: 'invalid_value', row: 1, column: 'patient_id', value: 'P\\ud800x', reason: LONE }
  for (const f of [() => model.score(rows), () => model.forecast(rows), () => model.forecastTotal(rows), () => readAppointments(rows)]) {
    expectOptocomError(f, fields)
  }
  expectOptocomError(() => PurchaseForecaster.fit([...demo.past.slice(0, 50), rows[1]]), { ...fields, row: 50 })
  // Lenient: that row is rejected with the reason, the rest are read. A lone low surrogate
  // in the optional `amount`, and a row with another bad value (the first in column order
  // is the one reported), behave alike.
  rows[2] = { ...rows[2], amount: '12\uDC00' }
  rows[3] = { ...rows[3], age: 'old', patient_id: '\uDBFF' }
  const got = readAppointments(rows, { lenient: true })
  assert.deepEqual(got.rows.map((r) => r.patient_id), [rows[0].patient_id, rows[4].patient_id])
  assert.deepEqual(got.rejected, [
    { table: 'appointments', location: { kind: 'row', row: 1 }, column: 'patient_id', value: 'P\\ud800x', reason: LONE },
    { table: 'appointments', location: { kind: 'row', row: 2 }, column: 'amount', value: '12\\udc00', reason: LONE },
    { table: 'appointments', location: { kind: 'row', row: 3 }, column: 'patient_id', value: '\\udbff', reason: LONE },
  ])
})

test('text that is valid stays as it is; a lone surrogate in a column nobody reads is ignored', () => {
  const rows = [
    { ...demo.upcoming[0], patient_id: 'P\uFFFD \uD83D\uDE00' }, // a real U+FFFD and a pair
    { ...demo.upcoming[1], notes: 'x\uD800' },
  ]
  assert.deepEqual(readAppointments(rows).rows.map((r) => r.patient_id), ['P\uFFFD \uD83D\uDE00', demo.upcoming[1].patient_id])
})

test('a lone surrogate in CSV text is the CSV reader\'s invalid text at its line', () => {
  const csv = readFileSync(join(HERE, '..', '..', 'fixtures', 'appointments_upcoming.csv'), 'utf8')
  const lines = csv.split('\n')
  lines[2] = 'Q\uD800' + lines[2]
  const bad = lines.join('\n')
  expectOptocomError(() => model.score(bad), { code: 'invalid_value', line: 3, row: 1, column: 'patient_id', value: 'Q\uFFFD' + csv.split('\n')[2].split(',')[0] })
  const got = readAppointments(bad, { lenient: true })
  assert.deepEqual(got.rejected.map((r) => [r.location.line, r.column]), [[3, 'patient_id']])
  assert.equal(got.rows.length, lines.filter((l) => l.trim()).length - 2)
})

test('a lone surrogate in an options value is an invalid parameter naming its path', () => {
  expectOptocomError(() => model.predictPatient({ ...demo.upcoming[0], age: '5\uD800' }), {
    code: 'invalid_parameter',
    parameter: 'patient.age',
    value: '"5\\ud800"',
    reason: LONE,
  })
  expectOptocomError(() => model.forecast(demo.upcoming, 'week\uDC00'), { code: 'invalid_parameter', parameter: 'freq', value: '"week\\udc00"' })
  expectOptocomError(() => PurchaseForecaster.fromJson(model.toJson().replace('"kind"', '"kind\uD800"')), { code: 'invalid_parameter', parameter: 'text' })
})

// The Node addon, when it has been built (bindings-node/: `npm run build`).
let nodeAddon = null
try {
  nodeAddon = require('../../bindings-node/index.js')
} catch {}

test('the WASM build and the Node addon agree', { skip: !nodeAddon && 'the Node addon is not built' }, () => {
  const opts = { n_past: 3000, n_upcoming: 300, seed: 11 }
  assert.deepEqual(nodeAddon.demoAppointments(opts), demo)
  // A model trained by either runtime predicts the same bits in the other.
  const native = nodeAddon.PurchaseForecaster.fit(demo.past, { seed: 3 })
  const nativeInWasm = PurchaseForecaster.fromJson(native.toJson())
  assert.deepEqual(nativeInWasm.score(demo.upcoming), native.score(demo.upcoming))
  assert.deepEqual(nativeInWasm.forecast(demo.upcoming, 'week'), native.forecast(demo.upcoming, 'week'))
  const wasmInNative = nodeAddon.PurchaseForecaster.fromJson(model.toJson())
  assert.deepEqual(wasmInNative.score(demo.upcoming), model.score(demo.upcoming))
  // Training gives the same bits too: same seed, same model, whatever the runtime (the
  // core's arithmetic avoids the platform's libm; see linear::algorithm::jacobi_svd).
  assert.deepEqual(model.score(demo.upcoming), native.score(demo.upcoming))
  assert.deepEqual(model.forecast(demo.upcoming, 'week', 0.9), native.forecast(demo.upcoming, 'week', 0.9))
  assert.deepEqual(model.compare(demo.past, 'month', 0.9), native.compare(demo.past, 'month', 0.9))
  const { trained_at: _a, ...wasmReport } = model.report
  const { trained_at: _b, ...nativeReport } = native.report
  assert.deepEqual(wasmReport, nativeReport)
  assert.equal(model.report.auc, native.report.auc)
})
