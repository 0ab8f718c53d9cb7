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
import { purchaseContract } from '../../bindings-node/__test__/contract/purchase.mjs'

const require = createRequire(import.meta.url)
const HERE = dirname(fileURLToPath(import.meta.url))
const PKG = join(HERE, '..', 'pkg-node', 'optocom.js')
const optocom = require(PKG)
const { PurchaseForecaster } = optocom

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
