// The Node addon's purchase forecaster: the JS contract shared with the WebAssembly module
// (contract/purchase.mjs), plus what only Node has: fitAsync on libuv's thread pool and files.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { purchaseContract, expectOptocomError } from './contract/purchase.mjs'

const require = createRequire(import.meta.url)
const optocom = require('../index.js')
const { PurchaseForecaster } = optocom

const { demo, model } = purchaseContract(optocom)
const ADDON = fileURLToPath(new URL('../index.js', import.meta.url))
/** `rows` as CSV text. */
const csvOf = (rows) => {
  const header = Object.keys(rows[0])
  return [header.join(',')].concat(rows.map((a) => header.map((k) => (a[k] === null ? '' : String(a[k]))).join(','))).join('\n')
}

test('fitAsync resolves to the same bits as fit, and rejects with an OptocomError', async () => {
  const viaAsync = await PurchaseForecaster.fitAsync(demo.past, { seed: 3 })
  assert.deepEqual(viaAsync.score(demo.upcoming), model.score(demo.upcoming))
  assert.equal(viaAsync.toJson().length, model.toJson().length)
  await assert.rejects(PurchaseForecaster.fitAsync(demo.past.slice(0, 3)), (e) => {
    assert.equal(e.name, 'OptocomError')
    assert.equal(e.code, 'empty_input')
    return true
  })
  await assert.rejects(PurchaseForecaster.fitAsync(demo.past, { threshold: 'x' }), (e) => e.code === 'invalid_parameter')
})

test('fitAsync reports progress per tree without changing the model', async () => {
  const calls = []
  const withProgress = await PurchaseForecaster.fitAsync(demo.past, { seed: 3, classifier: { n_trees: 40 } }, (done, total) =>
    calls.push([done, total]),
  )
  // The last calls are queued to the event loop and may arrive just after the Promise.
  for (let i = 0; i < 200 && calls.length < 80; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  await new Promise((resolve) => setTimeout(resolve, 20)) // and no more than that
  // Two forests of 40 trees: the holdout fit, then the refit on every row.
  assert.equal(calls.length, 80)
  assert.ok(calls.every(([done, total]) => total === 40 && done >= 1 && done <= 40))
  assert.equal(calls.filter(([done]) => done === 40).length, 2)
  const without = await PurchaseForecaster.fitAsync(demo.past, { seed: 3, classifier: { n_trees: 40 } })
  assert.deepEqual(withProgress.score(demo.upcoming), without.score(demo.upcoming))
})

test('scoreAsync gives what score gives, off the main thread, and rejects instead of throwing', async () => {
  const header = Object.keys(demo.upcoming[0])
  const csv = [header.join(',')]
    .concat(demo.upcoming.map((a) => header.map((k) => (a[k] === null ? '' : String(a[k]))).join(',')))
    .join('\n')
  const pending = model.scoreAsync(demo.upcoming)
  assert.ok(pending instanceof Promise)
  assert.deepEqual(await pending, model.score(demo.upcoming))
  assert.deepEqual(await model.scoreAsync(csv), model.score(csv))
  assert.deepEqual(await model.scoreAsync([]), [])
  // Bad rows reject with the same error score throws, from records and from CSV alike.
  const bad = demo.upcoming.map((a, i) => (i === 2 ? { ...a, age: 'old' } : a))
  let promise
  assert.doesNotThrow(() => { promise = model.scoreAsync(bad) })
  await assert.rejects(promise, (e) => e.name === 'OptocomError' && e.code === 'invalid_value' && e.row === 2 && e.column === 'age')
  await assert.rejects(model.scoreAsync(csv.replace(/\n([^,\n]*),([^,\n]*),([^,\n]*),/, '\n$1,$2,old,')), (e) => e.code === 'invalid_value' && e.line === 2)
  await assert.rejects(model.scoreAsync(42), (e) => e.code === 'invalid_parameter')
})

test('forecastAsync, forecastTotalAsync and compareAsync give what forecast and compare give, and reject instead of throwing', async () => {
  const header = Object.keys(demo.past[0])
  const csv = [header.join(',')]
    .concat(demo.past.map((a) => header.map((k) => (a[k] === null ? '' : String(a[k]))).join(',')))
    .join('\n')
  const pending = model.forecastAsync(demo.upcoming, 'day', 0.8)
  assert.ok(pending instanceof Promise)
  assert.deepEqual(await pending, model.forecast(demo.upcoming, 'day', 0.8))
  assert.deepEqual(await model.forecastAsync(demo.upcoming), model.forecast(demo.upcoming))
  assert.deepEqual(await model.compareAsync(demo.past, 'month'), model.compare(demo.past, 'month'))
  assert.deepEqual(await model.compareAsync(csv), model.compare(csv))
  assert.deepEqual(await model.forecastAsync([]), [])
  assert.deepEqual(await model.forecastTotalAsync(demo.upcoming, 0.8), model.forecastTotal(demo.upcoming, 0.8))
  assert.equal(await model.forecastTotalAsync([]), null)
  await assert.rejects(model.forecastTotalAsync(demo.upcoming, 0), (e) => e.code === 'invalid_parameter')
  // Every bad argument rejects, with the error the synchronous method throws.
  let promise
  assert.doesNotThrow(() => { promise = model.forecastAsync(demo.upcoming, 'fortnight') })
  await assert.rejects(promise, (e) => e.name === 'OptocomError' && e.code === 'invalid_parameter')
  await assert.rejects(model.forecastAsync(demo.upcoming, 'week', 1.5), (e) => e.code === 'invalid_parameter')
  const bad = demo.past.map((a, i) => (i === 4 ? { ...a, age: 'old' } : a))
  await assert.rejects(model.compareAsync(bad), (e) => e.code === 'invalid_value' && e.row === 4 && e.column === 'age')
})

test('save and load go through the file system', () => {
  const dir = mkdtempSync(join(tmpdir(), 'optocom-'))
  try {
    const path = join(dir, 'model.json')
    model.save(path)
    const loaded = PurchaseForecaster.load(path)
    assert.deepEqual(loaded.score(demo.upcoming), model.score(demo.upcoming))
    expectOptocomError(() => PurchaseForecaster.load(join(dir, 'absent.json')), {
      code: 'io',
      errno: 2,
      filename: join(dir, 'absent.json'),
    })
  } finally {
    rmSync(dir, { recursive: true })
  }
})

test('records go through JSON without losing what JSON would drop', () => {
  const rows = demo.upcoming.slice(0, 4).map((a) => ({ ...a }))
  rows[0].appointment_date = new Date(2026, 0, 5) // its calendar day depends on the time zone
  expectOptocomError(() => model.score(rows), { code: 'invalid_value', row: 0, column: 'appointment_date', value: '[Date]' })
  rows[0].appointment_date = demo.upcoming[0].appointment_date
  rows[1].age = 40n // a BigInt is its decimal value
  assert.equal(optocom.readAppointments(rows).rows[1].age, 40)
  rows[2].amount = -Infinity
  expectOptocomError(() => model.score(rows), { code: 'invalid_value', row: 2, column: 'amount', value: '-Infinity' })
  rows[2].amount = undefined // an undefined value is a missing one, as an absent key
  assert.equal(optocom.readAppointments(rows).rows[2].amount, null)
  // Numbers keep every bit.
  rows[3].days_since_last_purchase = 0.1 + 0.2
  assert.equal(optocom.readAppointments(rows).rows[3].days_since_last_purchase, 0.1 + 0.2)
})

test('async methods reject (never throw) on a wrongly typed argument, naming it; sync methods throw the same', async () => {
  const rows = demo.upcoming
  const calls = [
    [() => model.forecastAsync(rows, 3), 'freq', '3', 'must be a string (got a number)'],
    [() => model.forecastAsync(rows, 'week', '0.9'), 'level', '"0.9"', 'must be a number (got a string)'],
    [() => model.forecastTotalAsync(rows, true), 'level', 'true', 'must be a number (got a boolean)'],
    [() => model.compareAsync(demo.past, ['month']), 'freq', '["month"]', 'must be a string (got an array)'],
    [() => model.compareAsync(demo.past, 'month', 1n), 'level', '1n', 'must be a number (got a bigint)'],
    [() => PurchaseForecaster.fitAsync(demo.past, {}, 'x'), 'onProgress', '"x"', 'must be a function (got a string)'],
  ]
  for (const [call, parameter, value, reason] of calls) {
    let promise
    assert.doesNotThrow(() => { promise = call() }, parameter)
    await assert.rejects(promise, (e) => {
      assert.equal(e.name, 'OptocomError')
      assert.deepEqual([e.code, e.parameter, e.value, e.reason], ['invalid_parameter', parameter, value, reason])
      return true
    })
  }
  expectOptocomError(() => model.forecast(rows, 3), { code: 'invalid_parameter', parameter: 'freq', value: '3' })
  expectOptocomError(() => model.compare(demo.past, undefined, '0.9'), { code: 'invalid_parameter', parameter: 'level', value: '"0.9"' })
  expectOptocomError(() => model.forecastTotal(rows, new Number(0.9)), { code: 'invalid_parameter', parameter: 'level' })
  expectOptocomError(() => PurchaseForecaster.load(42), { code: 'invalid_parameter', parameter: 'path', value: '42' })
  expectOptocomError(() => PurchaseForecaster.fromJson(undefined), { code: 'invalid_parameter', parameter: 'text', value: 'undefined' })
  expectOptocomError(() => optocom.defaultParams(() => 1), { code: 'invalid_parameter', parameter: 'kind', value: 'function' })
  // A path holding a lone surrogate is refused, never written as U+FFFD.
  const path = join(tmpdir(), 'optocom-\uD800', 'model.json')
  expectOptocomError(() => model.save(path), { code: 'invalid_parameter', parameter: 'path', value: JSON.stringify(path) })
  // Arguments of the right type still work, defaults included.
  assert.deepEqual(await model.forecastAsync(rows, undefined, null), model.forecast(rows))
})

test('a throwing onProgress rejects the fit with its error; the process does not crash', () => {
  const script = `
    const { PurchaseForecaster, demoAppointments } = require(${JSON.stringify(ADDON)})
    const { past } = demoAppointments({ n_past: 400, seed: 2 })
    const params = { classifier: { n_trees: 8 } }
    const boom = new Error('boom')
    const out = []
    let calls = 0
    PurchaseForecaster.fitAsync(past, params, () => { calls++; throw boom })
      .then(() => out.push('resolved'), (e) => out.push(e === boom ? 'rejected with boom' : 'rejected with ' + e))
      .then(() => PurchaseForecaster.fitAsync(past, params, async () => { throw new Error('async') }))
      .then(() => out.push('resolved'), (e) => out.push('rejected with ' + e.message))
      .then(() => console.log(out.concat('calls ' + calls).join('; ')))
  `
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  assert.equal(run.stdout.trim(), 'rejected with boom; rejected with async; calls 1')
})

test('fitAsync settles after its last onProgress call', async () => {
  for (let i = 0; i < 3; i++) {
    const calls = []
    await PurchaseForecaster.fitAsync(demo.past, { seed: 3, classifier: { n_trees: 30 } }, (done, total) => calls.push([done, total]))
    assert.equal(calls.length, 60) // two forests of 30 trees, every call already made
  }
})

test('a function where params are expected is refused, not read as the defaults; so is a cycle', async () => {
  let called = 0
  const onProgress = () => called++
  await assert.rejects(PurchaseForecaster.fitAsync(demo.past, onProgress), (e) => {
    assert.equal(e.name, 'OptocomError')
    assert.deepEqual([e.code, e.parameter, e.value], ['invalid_parameter', 'params', '"[Function]"'])
    return true
  })
  assert.equal(called, 0)
  expectOptocomError(() => PurchaseForecaster.fit(demo.past, onProgress), { code: 'invalid_parameter', parameter: 'params' })
  expectOptocomError(() => PurchaseForecaster.fit(demo.past, { classifier: onProgress }), { code: 'invalid_parameter', parameter: 'params.classifier', value: '"[Function]"' })
  const cyclic = { seed: 1 }
  cyclic.self = cyclic
  expectOptocomError(() => PurchaseForecaster.fit(demo.past, cyclic), { code: 'invalid_parameter', parameter: 'params' })
  await assert.rejects(PurchaseForecaster.fitAsync(demo.past, cyclic), (e) => e.name === 'OptocomError' && e.parameter === 'params')
  const rows = demo.upcoming.slice(0, 3).map((a) => ({ ...a }))
  rows[1].self = rows[1]
  expectOptocomError(() => model.score(rows), { code: 'invalid_parameter', parameter: 'data' })
})

test('fitAsync parses CSV text on the pool, not on the calling thread', async () => {
  const lines = csvOf(demo.past).split('\n')
  const body = lines.slice(1)
  while (lines.length < 150000) lines.push(...body)
  lines.push(lines[1].replace(/^([^,]*,[^,]*),[^,]*,/, '$1,old,')) // the last row is bad: no training
  const csv = lines.join('\n')
  const start = performance.now()
  const pending = PurchaseForecaster.fitAsync(csv)
  const calling = performance.now() - start
  await assert.rejects(pending, (e) => e.code === 'invalid_value' && e.line === lines.length && e.column === 'age')
  const total = performance.now() - start
  assert.ok(calling < total / 3, `${calling.toFixed(1)} ms on the calling thread of ${total.toFixed(1)} ms`)
})

// A JS string may hold a lone surrogate, which Rust text cannot: the WASM module refuses it
// with the same words (bindings-wasm/__test__/purchase.spec.mjs).
const LONE = 'not valid Unicode text: it holds a lone UTF-16 surrogate (shown as \\uXXXX)'

test('a lone surrogate in a record is an invalid value naming its row and column, never U+FFFD', async () => {
  const rows = demo.upcoming.slice(0, 5)
  rows[1] = { ...rows[1], patient_id: 'P\uD800x' }
  const fields = { code: 'invalid_value', row: 1, column: 'patient_id', value: 'P\\ud800x', reason: LONE }
  for (const f of [() => model.score(rows), () => model.forecast(rows), () => model.forecastTotal(rows), () => optocom.readAppointments(rows)]) {
    expectOptocomError(f, fields)
  }
  await assert.rejects(model.scoreAsync(rows), (e) => e.name === 'OptocomError' && e.row === 1 && e.column === 'patient_id' && e.reason === LONE)
  expectOptocomError(() => PurchaseForecaster.fit([...demo.past.slice(0, 50), rows[1]]), { ...fields, row: 50 })
  // Lenient: that row is rejected with the reason, the rest are read. A lone low surrogate
  // in the optional `amount` and an earlier bad value of the same row behave alike.
  rows[2] = { ...rows[2], amount: '12\uDC00' }
  rows[3] = { ...rows[3], age: 'old', patient_id: '\uDBFF' }
  const got = optocom.readAppointments(rows, { lenient: true })
  assert.deepEqual(got.rows.map((r) => r.patient_id), [rows[0].patient_id, rows[4].patient_id])
  assert.deepEqual(got.rejected, [
    { table: 'appointments', location: { kind: 'row', row: 1 }, column: 'patient_id', value: 'P\\ud800x', reason: LONE },
    { table: 'appointments', location: { kind: 'row', row: 2 }, column: 'amount', value: '12\\udc00', reason: LONE },
    { table: 'appointments', location: { kind: 'row', row: 3 }, column: 'patient_id', value: '\\udbff', reason: LONE },
  ])
  // Through a header alias, the canonical column is named.
  const aliased = rows.map(({ patient_id, ...rest }) => ({ 'Patient ID': patient_id, ...rest }))
  expectOptocomError(() => model.score(aliased.slice(0, 2)), fields)
})

test('text that is valid stays as it is; a lone surrogate in a column nobody reads is ignored', () => {
  const rows = [
    { ...demo.upcoming[0], patient_id: 'P\uFFFD \uD83D\uDE00' }, // a real U+FFFD and a pair
    { ...demo.upcoming[1], notes: 'x\uD800', ['k\uDC00']: 1 },
  ]
  assert.deepEqual(optocom.readAppointments(rows).rows.map((r) => r.patient_id), ['P\uFFFD \uD83D\uDE00', demo.upcoming[1].patient_id])
})
