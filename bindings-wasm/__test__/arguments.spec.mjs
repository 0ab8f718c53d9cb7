// Every string and number argument of the WebAssembly module (pkg-node/), read by
// src/convert.rs: a value of another type is an OptocomError `invalid_parameter` naming the
// argument, never a wasm trap (wasm-bindgen's glue reads a number given for a `&str` out of
// bounds) or a coercion (`'0.9'` read as 0.9, as the glue does for an `f64`). The table below
// must list every such argument of the generated typings: the last test checks that.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { expectOptocomError } from '../../bindings-node/__test__/contract/purchase.mjs'

const require = createRequire(import.meta.url)
const HERE = dirname(fileURLToPath(import.meta.url))
const PKG = join(HERE, '..', 'pkg-node')
const optocom = require(join(PKG, 'optocom.js'))
const { PurchaseForecaster, CampaignAnalytics, DoctorSegmentation, UpliftForest, Recommender } = optocom

const demo = optocom.demoAppointments({ n_past: 400, n_upcoming: 40, seed: 5 })
const model = PurchaseForecaster.fit(demo.past, { seed: 1, classifier: { n_trees: 10 } })
const ca = CampaignAnalytics.sample(42)
const forest = ca.fitUplift(1, 'responded', { n_trees: 10, seed: 1 })
const segmentation = ca.segment({ k: 3, seed: 1 })
const recommender = ca.recommender()
const product = ca.campaigns().data[0].product

// [call, argument, type, optional, invoke(value)]: every string and number argument.
const ARGUMENTS = [
  ['defaultParams', 'kind', 'string', false, (v) => optocom.defaultParams(v)],
  ['PurchaseForecaster.fromJson', 'text', 'string', false, (v) => PurchaseForecaster.fromJson(v)],
  ['PurchaseForecaster.forecast', 'freq', 'string', true, (v) => model.forecast(demo.upcoming, v)],
  ['PurchaseForecaster.forecast', 'level', 'number', true, (v) => model.forecast(demo.upcoming, 'week', v)],
  ['PurchaseForecaster.forecastTotal', 'level', 'number', true, (v) => model.forecastTotal(demo.upcoming, v)],
  ['PurchaseForecaster.compare', 'freq', 'string', true, (v) => model.compare(demo.past, v)],
  ['PurchaseForecaster.compare', 'level', 'number', true, (v) => model.compare(demo.past, 'month', v)],
  ['CampaignAnalytics.sample', 'seed', 'number', true, (v) => CampaignAnalytics.sample(v)],
  ['CampaignAnalytics.metrics', 'campaignId', 'number', false, (v) => ca.metrics(v)],
  ['CampaignAnalytics.metrics', 'confidence', 'number', true, (v) => ca.metrics(1, undefined, v)],
  ['CampaignAnalytics.rxTrend', 'campaignId', 'number', false, (v) => ca.rxTrend(v)],
  ['CampaignAnalytics.topResponders', 'campaignId', 'number', false, (v) => ca.topResponders(v)],
  ['CampaignAnalytics.exportCsv', 'what', 'string', true, (v) => ca.exportCsv(v)],
  ['CampaignAnalytics.uplift', 'campaignId', 'number', false, (v) => ca.uplift(v, 'responded', { n_trees: 10 })],
  ['CampaignAnalytics.uplift', 'outcome', 'string', true, (v) => ca.uplift(1, v, { n_trees: 10 })],
  ['CampaignAnalytics.uplift', 'level', 'number', true, (v) => ca.uplift(1, 'responded', { n_trees: 10 }, v)],
  ['CampaignAnalytics.fitUplift', 'campaignId', 'number', false, (v) => ca.fitUplift(v, 'responded', { n_trees: 10 })],
  ['CampaignAnalytics.fitUplift', 'outcome', 'string', true, (v) => ca.fitUplift(1, v, { n_trees: 10 })],
  ['CampaignAnalytics.scoreUplift', 'campaignId', 'number', false, (v) => ca.scoreUplift(forest, v)],
  ['CampaignAnalytics.scoreUplift', 'level', 'number', true, (v) => ca.scoreUplift(forest, 1, v)],
  ['CampaignAnalytics.recommend', 'product', 'string', false, (v) => ca.recommend(v)],
  ['CampaignAnalytics.recommend', 'n', 'number', true, (v) => ca.recommend(product, v)],
  ['Recommender.recommend', 'product', 'string', false, (v) => recommender.recommend(v)],
  ['Recommender.recommend', 'n', 'number', true, (v) => recommender.recommend(product, v)],
  ['Recommender.fromJson', 'text', 'string', false, (v) => Recommender.fromJson(v)],
  ['DoctorSegmentation.segmentOf', 'doctorId', 'number', false, (v) => segmentation.segmentOf(v)],
  ['DoctorSegmentation.fromJson', 'text', 'string', false, (v) => DoctorSegmentation.fromJson(v)],
  ['UpliftForest.fromJson', 'text', 'string', false, (v) => UpliftForest.fromJson(v)],
]

const NOT_A_STRING = [5, 0, true, {}, [], ['week'], () => 'week', Symbol('s'), 5n, new String('week')]
const NOT_A_NUMBER = ['1', '0.9', '', true, {}, [1], 1n, () => 1, new Number(1), new Date(0)]
const MISSING = [undefined, null]

for (const [call, name, type, optional, invoke] of ARGUMENTS) {
  test(`${call}: argument ${name} must be a ${type}`, () => {
    const bad = (type === 'string' ? NOT_A_STRING : NOT_A_NUMBER).concat(optional ? [] : MISSING)
    for (const v of bad) {
      expectOptocomError(() => invoke(v), { code: 'invalid_parameter', parameter: name })
    }
    // The instance is still usable (no trap) and the right type is read.
    if (!optional && type === 'number') assert.doesNotThrow(() => invoke(1))
    if (optional) assert.doesNotThrow(() => invoke(undefined))
  })
}

test('the refusal names the value as the other errors do', () => {
  expectOptocomError(() => model.forecastTotal(demo.upcoming, '0.9'), {
    code: 'invalid_parameter',
    parameter: 'level',
    value: '"0.9"',
    reason: 'must be a number (got a string)',
  })
  expectOptocomError(() => ca.metrics('1'), { parameter: 'campaignId', value: '"1"' })
  expectOptocomError(() => optocom.defaultParams(5), { parameter: 'kind', value: '5', reason: 'must be a string (got a number)' })
  expectOptocomError(() => optocom.defaultParams(), { parameter: 'kind', value: 'undefined' })
  expectOptocomError(() => ca.recommend({ a: 1 }), { parameter: 'product', value: '{"a":1}' })
  expectOptocomError(() => ca.metrics(1n), { parameter: 'campaignId', value: '1n' })
  // Values of the right type keep going to the core's checks.
  expectOptocomError(() => model.forecastTotal(demo.upcoming, 1.5), { code: 'invalid_parameter' })
  expectOptocomError(() => ca.metrics(1.5), { code: 'invalid_parameter', parameter: 'campaignId' })
  expectOptocomError(() => optocom.defaultParams('forest'), { code: 'not_found' })
  assert.equal(segmentation.segmentOf(1.5), undefined) // not an id, as in the Node addon
})

test('counts past 2^32 - 1 are refused with the range, not truncated or "expected usize"', () => {
  const tooBig = 2 ** 32
  for (const page of [{ page: tooBig }, { per_page: tooBig }]) {
    const [key] = Object.keys(page)
    assert.throws(
      () => ca.topResponders(1, {}, page),
      (e) =>
        e.name === 'OptocomError' &&
        e.code === 'invalid_parameter' &&
        e.parameter === `page.${key}` &&
        e.value === String(tooBig) &&
        !/usize/.test(e.message) &&
        /whole number from 0 to 4294967295/.test(e.reason),
    )
  }
  // `n` was cast to a 32-bit usize: 2^32 + 3 recommended 3 doctors.
  for (const rec of [(n) => ca.recommend(product, n), (n) => recommender.recommend(product, n)]) {
    expectOptocomError(() => rec(tooBig + 3), { code: 'invalid_parameter', parameter: 'n', value: String(tooBig + 3) })
  }
  assert.equal(ca.topResponders(1, {}, { page: 2 ** 32 - 1 }).data.length, 0)
})

// The scalar arguments of the generated typings, as `Class.method` (or the function) and the
// argument: a string, a number or a union of string literals.
function scalarArguments(dts) {
  const out = []
  let cls = null
  for (const line of dts.split('\n')) {
    const c = line.match(/^export class (\w+)/)
    if (c) cls = c[1]
    if (/^}/.test(line)) cls = null
    const m = line.match(/^(?:export function |\s+(?:static )?)(\w+)\((.*)\):/)
    if (!m || line.trimStart().startsWith('*')) continue
    const call = cls && !line.startsWith('export function') ? `${cls}.${m[1]}` : m[1]
    for (const p of splitTopLevel(m[2])) {
      const [, name, type] = p.match(/^(\w+)\??: (.*)$/) ?? []
      if (name && /^(string|number|'[^']*'( \| '[^']*')*)$/.test(type)) out.push(`${call}(${name})`)
    }
  }
  return out
}

function splitTopLevel(params) {
  const parts = []
  let depth = 0
  let cur = ''
  for (const ch of params) {
    if ('{<(['.includes(ch)) depth++
    if ('}>)]'.includes(ch)) depth--
    if (ch === ',' && depth === 0) {
      parts.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  if (cur.trim()) parts.push(cur.trim())
  return parts
}

test('the table above lists every string and number argument of the typings', () => {
  const dts = readFileSync(join(PKG, 'optocom.d.ts'), 'utf8')
  const found = scalarArguments(dts).sort()
  const listed = ARGUMENTS.map(([call, name]) => `${call}(${name})`).sort()
  assert.ok(found.length >= 25, `parsed only ${found.length} arguments`)
  assert.deepEqual(listed, found)
})

test('after all of these, the instance was never retired', () => {
  assert.equal(optocom.demoAppointments({ n_past: 10, n_upcoming: 0 }).past.length, 10)
})
