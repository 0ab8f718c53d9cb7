// The Node addon's purchase forecaster: the JS contract shared with the WebAssembly module
// (contract/purchase.mjs), plus what only Node has: fitAsync on libuv's thread pool and files.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { purchaseContract, expectOptocomError } from './contract/purchase.mjs'

const require = createRequire(import.meta.url)
const optocom = require('../index.js')
const { PurchaseForecaster } = optocom

const { demo, model } = purchaseContract(optocom)

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
