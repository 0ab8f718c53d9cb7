// The WebAssembly build's campaign analytics, run in Node (pkg-node/): the JS contract shared
// with the Node addon (bindings-node/__test__/contract/campaign.mjs), plus agreement with the
// addon when it is built.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { campaignContract, fixtureTables } from '../../bindings-node/__test__/contract/campaign.mjs'
import { expectOptocomError } from '../../bindings-node/__test__/contract/purchase.mjs'

const require = createRequire(import.meta.url)
const HERE = dirname(fileURLToPath(import.meta.url))
const optocom = require(join(HERE, '..', 'pkg-node', 'optocom.js'))

// The browser has no file system: exportCsv returns the CSV text.
campaignContract(optocom, (analytics, what, options) => analytics.exportCsv(what, options))

const { CampaignAnalytics, DoctorSegmentation, UpliftForest, Recommender } = optocom

test('campaign models are stamped from the JS clock, as the purchase forecaster is', () => {
  const ca = CampaignAnalytics.sample(7)
  const segmentation = ca.segment({ k: 3, seed: 1 })
  const models = {
    uplift_forest: [ca.fitUplift(1, 'responded', { n_trees: 10, seed: 2 }), UpliftForest],
    segmentation: [segmentation, DoctorSegmentation],
    recommender: [ca.recommender(), Recommender],
    with_segments: [ca.recommenderWithSegments(segmentation), Recommender],
  }
  for (const [what, [model, Class]] of Object.entries(models)) {
    const json = model.toJson()
    const { trained_at } = JSON.parse(json).info
    assert.match(trained_at ?? 'null', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, what)
    assert.ok(Math.abs(Date.parse(trained_at) - Date.now()) < 10 * 60 * 1000, what)
    // A loaded model keeps the time it was trained at.
    assert.equal(Class.fromJson(json).toJson(), json, what)
  }
})

const LONE = 'not valid Unicode text: it holds a lone UTF-16 surrogate (shown as \\uXXXX)'
const withCell = (table, row, key, value) => ({
  ...fixtureTables,
  [table]: fixtureTables[table].map((r, i) => (i === row ? { ...r, [key]: value } : r)),
})

test('a lone surrogate in a campaign table is an invalid value; lenient reads reject its row and the rows referring to it', () => {
  const tables = withCell('doctors', 1, 'specialty', 'Onco\uD800logy')
  expectOptocomError(() => CampaignAnalytics.fromTables(tables), {
    code: 'invalid_value',
    row: 1,
    column: 'doctors.specialty',
    value: 'Onco\\ud800logy',
    reason: LONE,
  })
  const lenient = CampaignAnalytics.fromTables(tables, { lenient: true })
  assert.deepEqual(lenient.rejected.map((r) => [r.table, r.location.row, r.column, r.reason]), [
    ['doctors', 1, 'specialty', LONE],
    ['targeting', 1, 'doctor_id', 'doctor 2 was rejected'],
    ['targeting', 4, 'doctor_id', 'doctor 2 was rejected'],
    ['rx', 2, 'doctor_id', 'doctor 2 was rejected'],
    ['rx', 4, 'doctor_id', 'doctor 2 was rejected'],
  ])
  assert.equal(lenient.rejected[0].value, 'Onco\\ud800logy')
  // The rest is read: the doctors left are those of the plain read without doctor 2.
  assert.equal(lenient.campaigns().total, 2)
  // A product named with a lone surrogate in rx (another table, same row and column names
  // as elsewhere) is that table's error; a genuinely missing value in an earlier table
  // comes first and keeps its own reason.
  const rx = withCell('rx', 2, 'product', 'Product \uDFFF')
  expectOptocomError(() => CampaignAnalytics.fromTables(rx), { row: 2, column: 'rx.product', value: 'Product \\udfff', reason: LONE })
  const both = { ...withCell('targeting', 2, 'doctor_id', '3\uD800'), doctors: withCell('doctors', 2, 'doctor_id', null).doctors }
  expectOptocomError(() => CampaignAnalytics.fromTables(both), { row: 2, column: 'doctors.doctor_id', value: '', reason: 'missing value' })
  const targeting = withCell('targeting', 2, 'doctor_id', '3\uD800')
  expectOptocomError(() => CampaignAnalytics.fromTables(targeting), { row: 2, column: 'targeting.doctor_id', value: '3\\ud800', reason: LONE })
})

let nodeAddon = null
try {
  nodeAddon = require('../../bindings-node/index.js')
} catch {}

test('the WASM build and the Node addon agree on the campaign analytics', { skip: !nodeAddon && 'the Node addon is not built' }, () => {
  const a = optocom.CampaignAnalytics.sample(7)
  const b = nodeAddon.CampaignAnalytics.sample(7)
  assert.deepEqual(a.metrics(1), b.metrics(1))
  assert.deepEqual(a.topResponders(1, {}, { per_page: 50 }), b.topResponders(1, {}, { per_page: 50 }))
  assert.deepEqual(a.uplift(1, 'responded', { n_trees: 60, seed: 2 }), b.uplift(1, 'responded', { n_trees: 60, seed: 2 }))
  // A forest fitted by the addon scores the same rows in the browser.
  const forest = b.fitUplift(1, 'responded', { n_trees: 60, seed: 2 })
  assert.deepEqual(a.scoreUplift(optocom.UpliftForest.fromJson(forest.toJson()), 1), b.scoreUplift(forest, 1))
  assert.deepEqual(a.segment({ k: 3, seed: 1 }).profiles, b.segment({ k: 3, seed: 1 }).profiles)
  const product = a.campaigns().data[0].product
  assert.deepEqual(a.recommend(product, 10), b.recommend(product, 10))
  // A recommender built by the addon serves the same doctors in the browser.
  assert.deepEqual(optocom.Recommender.fromJson(b.recommender().toJson()).recommend(product, 10), a.recommender().recommend(product, 10))
  // The CSV text is the bytes the addon writes to a file.
  const dir = mkdtempSync(join(tmpdir(), 'optocom-wasm-export-'))
  try {
    const options = { campaign_id: 1, filter: { provinces: ['Ontario'] } }
    const path = join(dir, 'responders.csv')
    b.exportCsv(path, 'responders', options)
    assert.equal(a.exportCsv('responders', options), readFileSync(path, 'utf8'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
