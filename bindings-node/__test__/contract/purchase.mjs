// The purchase forecaster's contract in JavaScript, run against every JS runtime: the Node
// addon (bindings-node/__test__/purchase.spec.mjs) and the WebAssembly module
// (bindings-wasm/__test__/purchase.spec.mjs) register these tests on their own module, then add
// what only they have (fitAsync and files in Node; the JS clock, panics and the comparison with
// the addon in WASM). Known answers (the shared golden fixtures), properties, round trips,
// determinism and every error path a caller can hit.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))

export function expectOptocomError(fn, fields) {
  assert.throws(fn, (e) => {
    assert.equal(e.name, 'OptocomError')
    assert.ok(e instanceof Error)
    for (const [k, v] of Object.entries(fields)) assert.deepEqual(e[k], v, `${k} of ${e.message}`)
    return true
  })
}

/** Registers the shared tests on `optocom`; returns the demo data and model they use. */
export function purchaseContract(optocom) {
const { PurchaseForecaster, demoAppointments, readAppointments, defaultParams } = optocom
const FIXTURES = join(HERE, '..', '..', '..', 'fixtures')
const fixture = (name) => readFileSync(join(FIXTURES, name), 'utf8')

const demo = demoAppointments({ n_past: 3000, n_upcoming: 300, seed: 11 })
const model = PurchaseForecaster.fit(demo.past, { seed: 3 })

function parseCsv(text) {
  const [header, ...lines] = text.trim().split('\n')
  const names = header.split(',')
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])))
}

test('the golden artifact reproduces the recorded predictions bit for bit', () => {
  const golden = PurchaseForecaster.fromJson(fixture('golden_purchase_forecaster.json'))
  const scored = golden.score(fixture('golden_upcoming.csv'))
  const expected = parseCsv(fixture('golden_purchase_expected.csv'))
  assert.equal(scored.length, 200)
  assert.equal(expected.length, 200)
  scored.forEach((s, i) => {
    const row = expected[i]
    assert.equal(s.patient_id, row.patient_id)
    for (const k of ['probability', 'expected_spend', 'expected_revenue']) {
      assert.equal(s[k], Number(row[k]), `${row.patient_id} ${k}`)
    }
    assert.equal(s.value_band, row.value_band)
  })
})

test('the demo generator is seeded and shaped like the readers expect', () => {
  const again = demoAppointments({ n_past: 3000, n_upcoming: 300, seed: 11 })
  assert.deepEqual(again, demo)
  assert.equal(demo.past.length, 3000)
  assert.equal(demo.upcoming.length, 300)
  assert.ok(demo.past.every((a) => typeof a.amount === 'number' && a.amount >= 0))
  assert.ok(demo.upcoming.every((a) => a.amount === null))
  assert.match(demo.past[0].appointment_date, /^\d{4}-\d{2}-\d{2}$/)
  const other = demoAppointments({ n_past: 3000, n_upcoming: 300, seed: 12 })
  assert.notDeepEqual(other.past, demo.past)
})

test('results are plain objects and arrays, not Maps', () => {
  const plain = (v) => Object.getPrototypeOf(v) === Object.prototype
  assert.ok(plain(demo) && Array.isArray(demo.past) && plain(demo.past[0]))
  const scored = model.score(demo.upcoming.slice(0, 3))
  assert.ok(Array.isArray(scored) && plain(scored[0]))
  assert.ok(plain(model.report) && plain(model.info) && plain(model.params) && plain(model.params.classifier))
  assert.deepEqual(JSON.parse(JSON.stringify(model.params)), model.params)
})

test('scores are probabilities with consistent revenue and bands', () => {
  const scored = model.score(demo.upcoming)
  assert.equal(scored.length, demo.upcoming.length)
  for (const [i, s] of scored.entries()) {
    assert.equal(s.patient_id, demo.upcoming[i].patient_id)
    assert.ok(s.probability >= 0 && s.probability <= 1, `${s.probability}`)
    assert.ok(s.expected_spend >= 0)
    assert.ok(['high', 'medium', 'low'].includes(s.value_band))
    assert.equal(s.actual_amount, null)
  }
  // The hurdle model: revenue = p * spend + (1 - p) * (mean of the small purchases), the
  // same small-purchase mean for every patient.
  const small = scored.map((s) => (s.expected_revenue - s.probability * s.expected_spend) / (1 - s.probability))
  assert.ok(small.every((c) => Math.abs(c - small[0]) <= 1e-9 * Math.abs(small[0])), `${Math.min(...small)} .. ${Math.max(...small)}`)
  assert.ok(small[0] > 0 && small[0] < 100, `${small[0]}`) // below the GBP 100 threshold
  const maxLow = Math.max(...scored.filter((s) => s.value_band === 'low').map((s) => s.probability))
  const minHigh = Math.min(...scored.filter((s) => s.value_band === 'high').map((s) => s.probability))
  assert.ok(minHigh >= maxLow)
})

test('the holdout report beats chance on the demo data; info says when', () => {
  const r = model.report
  assert.ok(r.auc > 0.6 && r.auc < 0.8, `AUC ${r.auc}`)
  assert.ok(r.brier > 0 && r.brier < 0.25)
  assert.equal(r.n_train + r.n_holdout, demo.past.length)
  assert.match(model.reportText(), /AUC/)
  assert.equal(model.info.n_rows, demo.past.length)
  assert.equal(model.featureNames.length, model.info.n_features)
  assert.equal(model.params.seed, 3)
  assert.match(model.info.trained_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
  assert.ok(Math.abs(Date.parse(model.info.trained_at) - Date.now()) < 10 * 60 * 1000)
})

test('a seed fixes the model: same bits from a second fit and a JSON round trip', () => {
  const again = PurchaseForecaster.fit(demo.past, { seed: 3 })
  const reloaded = PurchaseForecaster.fromJson(model.toJson())
  const want = model.score(demo.upcoming)
  assert.deepEqual(again.score(demo.upcoming), want)
  assert.deepEqual(reloaded.score(demo.upcoming), want)
  assert.equal(reloaded.toJson(), model.toJson())
  assert.deepEqual(reloaded.info, model.info)
  const otherSplit = PurchaseForecaster.fit(demo.past, { seed: 4 })
  assert.notDeepEqual(otherSplit.report, model.report)
  const otherForest = PurchaseForecaster.fit(demo.past, { seed: 3, classifier: { seed: 99 } })
  assert.notDeepEqual(otherForest.score(demo.upcoming), want)
  for (const m of [again, reloaded, otherSplit, otherForest]) m.free?.() // WASM memory
})

test('CSV text and arrays of records give the same scores', () => {
  const header = Object.keys(demo.upcoming[0])
  const csv = [header.join(',')]
    .concat(demo.upcoming.map((a) => header.map((k) => (a[k] === null ? '' : String(a[k]))).join(',')))
    .join('\n')
  assert.deepEqual(model.score(csv), model.score(demo.upcoming))
})

test('one patient scores as the same appointment in a batch', () => {
  const a = demo.upcoming[5]
  const { patient_id, appointment_date, amount, ...features } = a
  const one = model.predictPatient(features)
  const batch = model.score([a])[0]
  for (const k of ['probability', 'expected_spend', 'expected_revenue', 'revenue_sd', 'value_band']) {
    assert.equal(one[k], batch[k], k)
  }
  // A web form's values read as batch scoring reads them: flags as Y/N text or 0/1, numbers as text.
  const yn = (b) => (b ? 'Y' : 'no')
  const form = { ...features, age: String(features.age), days_since_last_purchase: String(features.days_since_last_purchase) }
  for (const k of ['employed', 'benefits', 'driver', 'vdu_user', 'varifocal', 'high_prescription']) form[k] = yn(features[k])
  assert.deepEqual(model.predictPatient(form), one)
  const ints = { ...features }
  for (const k of ['employed', 'benefits', 'driver', 'vdu_user', 'varifocal', 'high_prescription']) ints[k] = features[k] ? 1 : 0
  assert.deepEqual(model.predictPatient(ints), one)
  expectOptocomError(() => model.predictPatient({ ...features, employed: 'maybe' }), { code: 'invalid_parameter', parameter: 'patient.employed', value: '"maybe"' })
  expectOptocomError(() => model.predictPatient({ ...features, employed: 2 }), { code: 'invalid_parameter', parameter: 'patient.employed', value: '2' })
  // A wrongly typed feature is named with its value; NaN and a Date are not read as null or {}.
  expectOptocomError(() => model.predictPatient({ ...features, age: 'old' }), { code: 'invalid_parameter', parameter: 'patient.age', value: '"old"' })
  expectOptocomError(() => model.predictPatient({ ...features, age: -3 }), { code: 'invalid_value', column: 'age' })
  expectOptocomError(() => model.predictPatient({ ...features, age: NaN }), { code: 'invalid_parameter', parameter: 'patient.age', value: '"NaN"' })
  expectOptocomError(() => model.predictPatient({ ...features, employed: new Date() }), { code: 'invalid_parameter', parameter: 'patient.employed', value: '"[Date]"' })
  expectOptocomError(() => model.predictPatient({ ...features, age: undefined }), { code: 'invalid_parameter', parameter: 'patient' })
})

test('forecasts add up to the scored revenue and intervals contain the estimate', () => {
  const scored = model.score(demo.upcoming)
  const total = scored.reduce((s, a) => s + a.expected_revenue, 0)
  for (const freq of ['day', 'week', 'month']) {
    const points = model.forecast(demo.upcoming, freq, 0.9)
    const sum = points.reduce((s, p) => s + p.expected_revenue, 0)
    assert.ok(Math.abs(sum - total) < 1e-6 * total, `${freq}: ${sum} vs ${total}`)
    assert.equal(points.reduce((s, p) => s + p.appointments, 0), scored.length)
    for (const p of points) assert.ok(p.lower <= p.expected_revenue && p.expected_revenue <= p.upper)
  }
  assert.deepEqual(model.forecast(demo.upcoming), model.forecast(demo.upcoming, 'week', 0.9))
  const all = model.forecastTotal(demo.upcoming, 0.9)
  assert.ok(Math.abs(all.expected_revenue - total) < 1e-6 * total)
  const wide = model.forecastTotal(demo.upcoming, 0.99)
  assert.ok(wide.upper - wide.lower > all.upper - all.lower)
  // No appointments (an empty diary) score to nothing, in every form; training refuses them.
  const header = Object.keys(demo.upcoming[0]).join(',') + '\n'
  for (const none of [[], '', header]) {
    assert.equal(model.forecastTotal(none), null)
    assert.deepEqual(model.score(none), [])
    assert.deepEqual(model.forecast(none, 'day'), [])
    assert.deepEqual(model.compare(none), [])
  }
  expectOptocomError(() => model.score('patient_id\n'), { code: 'missing_column' })
  const cmp = model.compare(demo.past, 'month')
  assert.deepEqual(model.compare(demo.past), cmp)
  assert.equal(cmp.reduce((s, p) => s + p.appointments, 0), demo.past.length)
  const actual = demo.past.reduce((s, a) => s + a.amount, 0)
  assert.ok(Math.abs(cmp.reduce((s, p) => s + p.actual, 0) - actual) < 1e-6 * actual)
  expectOptocomError(() => model.forecast(demo.upcoming, 'fortnight'), { code: 'invalid_parameter' })
  expectOptocomError(() => model.forecastTotal(demo.upcoming, 1.5), { code: 'invalid_parameter' })
})

test('bad values name their row, column and value', () => {
  const bad = demo.upcoming.slice(0, 4).map((a) => ({ ...a }))
  bad[2].age = 'old'
  expectOptocomError(() => model.score(bad), { code: 'invalid_value', row: 2, column: 'age', value: 'old', reason: 'not a number' })
  const nan = demo.upcoming.slice(0, 4).map((a) => ({ ...a }))
  nan[3].amount = NaN // never read as "unknown"
  expectOptocomError(() => model.score(nan), { code: 'invalid_value', row: 3, column: 'amount', value: 'NaN' })
  const inf = demo.upcoming.slice(0, 4).map((a) => ({ ...a }))
  inf[1].days_since_last_purchase = Infinity
  expectOptocomError(() => model.score(inf), { code: 'invalid_value', row: 1, column: 'days_since_last_purchase' })
  const nanAge = demo.upcoming.slice(0, 4).map((a) => ({ ...a }))
  nanAge[0].age = NaN
  expectOptocomError(() => model.score(nanAge), { code: 'invalid_value', row: 0, column: 'age', value: 'NaN' })
  const csv = 'patient_id,appointment_date,age,days_since_last_purchase,employed,benefits,driver,vdu_user,varifocal,high_prescription\nP1,2024-13-01,40,10,Y,N,N,N,N,N\n'
  expectOptocomError(() => model.score(csv), { code: 'invalid_value', line: 2, row: 0, column: 'appointment_date', value: '2024-13-01' })
  const { age, ...noAge } = demo.upcoming[0]
  assert.throws(() => model.score([noAge]), (e) => {
    assert.equal(e.code, 'missing_column')
    assert.equal(e.column, 'age')
    assert.ok(Array.isArray(e.found) && e.found.includes('patient_id'), `${e.found}`)
    return true
  })
  expectOptocomError(() => model.score([demo.upcoming[0], 7]), { code: 'invalid_value', row: 1, column: '(record)' })
  // A nested value is not read as the text "[object]"; a "no date" sentinel is not a date.
  expectOptocomError(() => model.score([demo.upcoming[0], { ...demo.upcoming[1], patient_id: { id: 'P' } }]), { code: 'invalid_value', row: 1, column: 'patient_id', value: '[object]' })
  expectOptocomError(() => model.score([{ ...demo.upcoming[0], appointment_date: '0001-01-01' }]), {
    code: 'invalid_value', row: 0, column: 'appointment_date', reason: 'outside the supported dates, 1900-01-01 to 2199-12-31',
  })
  // Past appointments to compare (or train on) need their amount: named at its row.
  const past = demo.past.slice(0, 6).map((a) => ({ ...a }))
  past[4].amount = null
  expectOptocomError(() => model.compare(past), { code: 'invalid_value', row: 4, column: 'amount', reason: 'past appointments need the amount spent' })
  expectOptocomError(() => PurchaseForecaster.fit(past), { code: 'invalid_value', row: 4, column: 'amount' })
  // pandas' month aliases are months.
  assert.deepEqual(model.forecast(demo.upcoming, 'ME'), model.forecast(demo.upcoming, 'M'))
  expectOptocomError(() => model.score({ not: 'an array' }), { code: 'invalid_parameter', parameter: 'data' })
  expectOptocomError(() => model.score(42), { code: 'invalid_parameter', parameter: 'data' })
})

test('lenient reading keeps good rows and reports the rest', () => {
  const rows = demo.upcoming.slice(0, 5).map((a) => ({ ...a }))
  rows[1].age = 'old'
  rows[4].employed = 'perhaps'
  const got = readAppointments(rows, { lenient: true })
  assert.equal(got.rows.length, 3)
  assert.deepEqual(got.rejected.map((r) => [r.location.row, r.column]), [[1, 'age'], [4, 'employed']])
  assert.deepEqual(readAppointments(demo.upcoming.slice(0, 3)).rows, demo.upcoming.slice(0, 3))
  expectOptocomError(() => readAppointments(rows), { code: 'invalid_value', row: 1 })
  expectOptocomError(() => readAppointments(rows, { lenient: true, strict: false }), { code: 'invalid_parameter', parameter: 'options.strict' })
})

test('options are checked: unknown keys, wrong types and bad values are refused', () => {
  expectOptocomError(() => demoAppointments({ nPast: 10 }), { code: 'invalid_parameter', parameter: 'options.nPast' })
  expectOptocomError(() => PurchaseForecaster.fit(demo.past, { classifier: { nTrees: 5 } }), {
    code: 'invalid_parameter',
    parameter: 'params.classifier.nTrees',
  })
  // A wrongly typed value is named by its path, with its own value; a non-object is refused
  // (serde alone would read an array as the fields in order).
  expectOptocomError(() => PurchaseForecaster.fit(demo.past, { threshold: 'high' }), { code: 'invalid_parameter', parameter: 'params.threshold', value: '"high"' })
  expectOptocomError(() => PurchaseForecaster.fit(demo.past, { classifier: { n_trees: -5 } }), { code: 'invalid_parameter', parameter: 'params.classifier.n_trees', value: '-5' })
  expectOptocomError(() => demoAppointments([100, 10]), { code: 'invalid_parameter', parameter: 'options', value: '[100,10]' })
  expectOptocomError(() => demoAppointments({ n_past: NaN }), { code: 'invalid_parameter', parameter: 'options.n_past', value: '"NaN"' })
  expectOptocomError(() => demoAppointments({ start_date: new Date(2025, 0, 6) }), { code: 'invalid_parameter', parameter: 'options.start_date', value: '"[Date]"' })
  // BigInts within 2^53 are numbers; undefined members are left out, as JSON does.
  assert.deepEqual(demoAppointments({ n_past: 20n, n_upcoming: 2, seed: 5, threshold: undefined }), demoAppointments({ n_past: 20, n_upcoming: 2, seed: 5 }))
  expectOptocomError(() => PurchaseForecaster.fit(demo.past, { holdout_fraction: 1.5 }), { code: 'invalid_parameter' })
  expectOptocomError(() => PurchaseForecaster.fit(demo.past.slice(0, 3)), { code: 'empty_input' })
  expectOptocomError(() => PurchaseForecaster.fit([]), { code: 'empty_input' })
  const defaults = defaultParams('purchase_forecaster')
  assert.equal(defaults.threshold, 100)
  assert.deepEqual(PurchaseForecaster.fit(demo.past, { ...defaults, seed: 3 }).score(demo.upcoming), model.score(demo.upcoming))
  assert.deepEqual(PurchaseForecaster.fit(demo.past, null).params, PurchaseForecaster.fit(demo.past).params)
  assert.equal(typeof defaultParams('demo_appointments').seed, 'number')
  expectOptocomError(() => defaultParams('nothing'), { code: 'not_found' })
  expectOptocomError(() => PurchaseForecaster.fromJson('{"format": "nope"}'), { code: 'invalid_artifact' })
})

return { demo, model }
}
