// The Node addon's campaign analytics: the JS contract shared with the WebAssembly module
// (contract/campaign.mjs), plus what only Node has: reading a directory of CSV files.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { campaignContract, fixtureTables } from './contract/campaign.mjs'
import { expectOptocomError } from './contract/purchase.mjs'

const require = createRequire(import.meta.url)
const optocom = require('../index.js')
const { CampaignAnalytics } = optocom
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures')

const exportDir = mkdtempSync(join(tmpdir(), 'optocom-export-'))
after(() => rmSync(exportDir, { recursive: true, force: true }))
let exports = 0
/** Exports to a new file and returns its text, checking the summary against the file. */
const exportText = (analytics, what, options) => {
  const path = join(exportDir, `export-${exports++}.csv`)
  const summary = analytics.exportCsv(path, what, options)
  const bytes = readFileSync(path)
  assert.equal(summary.bytes, bytes.length)
  const text = bytes.toString('utf8')
  assert.equal(summary.rows, text.trimEnd().split('\n').length - 1)
  return text
}

campaignContract(optocom, exportText)

test('CSV export to a file: the summary counts guarded cells; a bad path is an io error', () => {
  const tables = { ...fixtureTables, doctors: fixtureTables.doctors.map((d, i) => (i < 2 ? { ...d, province: '-2+3' + 'x' } : d)) }
  const odd = CampaignAnalytics.fromTables(tables)
  const path = join(exportDir, 'guarded.csv')
  assert.equal(odd.exportCsv(path).guarded_cells, 2)
  assert.equal(odd.exportCsv(path, 'doctors', { formula_guard: false }).guarded_cells, 0)
  expectOptocomError(() => odd.exportCsv(join(exportDir, 'no', 'such', 'dir.csv')), { code: 'io' })
  // A refused request leaves no empty file behind.
  const stray = join(exportDir, 'refused.csv')
  expectOptocomError(() => odd.exportCsv(stray, 'responders', { campaign_id: 99 }), { code: 'not_found' })
  expectOptocomError(() => odd.exportCsv(stray, 'doctors', { filter: { min_rx: -1, max_rx: -2 } }), { code: 'invalid_parameter' })
  assert.equal(existsSync(stray), false)
})

test('a directory of CSV files reads as its records do', () => {
  const dir = CampaignAnalytics.fromDir(join(FIXTURES, 'campaign'))
  const fromRecords = CampaignAnalytics.fromTables(fixtureTables)
  assert.deepEqual(fromRecords.campaigns(), dir.campaigns())
  assert.deepEqual(fromRecords.metrics(1), dir.metrics(1))
  assert.deepEqual(dir.rejected, [])
  expectOptocomError(() => CampaignAnalytics.fromDir(join(FIXTURES, 'nowhere')), { code: 'not_found' })
})

test('the async campaign methods give what the synchronous ones give, and reject instead of throwing', async () => {
  const ca = CampaignAnalytics.sample(7)
  const params = { n_trees: 40, seed: 5 }
  const pending = ca.upliftAsync(1, 'responded', params, 0.9)
  assert.ok(pending instanceof Promise)
  assert.deepEqual(await pending, ca.uplift(1, 'responded', params, 0.9))
  const forest = await ca.fitUpliftAsync(1, 'rx_change', params)
  assert.equal(forest.toJson().length, ca.fitUplift(1, 'rx_change', params).toJson().length)
  assert.deepEqual(await ca.scoreUpliftAsync(forest, 1), ca.scoreUplift(forest, 1))
  assert.deepEqual(await ca.scoreUpliftAsync(forest, 1), ca.uplift(1, 'rx_change', params))
  const path = join(exportDir, 'async.csv')
  const summary = await ca.exportCsvAsync(path, 'responders', { campaign_id: 1 })
  assert.equal(summary.bytes, readFileSync(path).length)
  assert.deepEqual(summary, ca.exportCsv(join(exportDir, 'sync.csv'), 'responders', { campaign_id: 1 }))
  assert.equal(readFileSync(path, 'utf8'), readFileSync(join(exportDir, 'sync.csv'), 'utf8'))
  // Bad arguments reject (never throw) with the error the synchronous method throws.
  let promise
  assert.doesNotThrow(() => { promise = ca.upliftAsync(99) })
  await assert.rejects(promise, (e) => e.name === 'OptocomError' && e.code === 'not_found')
  await assert.rejects(ca.upliftAsync(1, 'clicks'), (e) => e.code === 'invalid_parameter')
  await assert.rejects(ca.upliftAsync(1, 'responded', { n_trees: 0 }), (e) => e.code === 'invalid_parameter')
  await assert.rejects(ca.upliftAsync(1.5), (e) => e.code === 'invalid_parameter')
  await assert.rejects(ca.fitUpliftAsync(1, 'responded', { linear_penalty: -1 }), (e) => e.code === 'invalid_parameter')
  await assert.rejects(ca.scoreUpliftAsync(forest, 1, 2), (e) => e.code === 'invalid_parameter')
  await assert.rejects(ca.exportCsvAsync(join(exportDir, 'no', 'such', 'dir.csv')), (e) => e.code === 'io')
  await assert.rejects(ca.exportCsvAsync(path, 'everything'), (e) => e.code === 'invalid_parameter')
})

test('ids and counts above 2^32 - 1 come back as numbers, never BigInts', () => {
  const BIG = 5_000_000_000
  const shift = (rows, keys) => rows.map((r) => ({ ...r, ...Object.fromEntries(keys.map((k) => [k, String(Number(r[k]) + BIG)])) }))
  const big = CampaignAnalytics.fromTables({
    doctors: shift(fixtureTables.doctors, ['doctor_id']),
    campaigns: shift(fixtureTables.campaigns, ['campaign_id']),
    targeting: shift(fixtureTables.targeting, ['doctor_id', 'campaign_id']),
    rx: shift(fixtureTables.rx, ['doctor_id']),
  })
  const id = BIG + 1
  const top = big.topResponders(id)
  assert.ok(top.data.length > 1)
  assert.deepEqual(top.data.map((r) => typeof r.doctor_id), top.data.map(() => 'number'))
  assert.ok(top.data.every((r) => r.doctor_id > BIG))
  const campaigns = big.campaigns()
  assert.deepEqual(campaigns.data.map((c) => c.campaign_id), [BIG + 1, BIG + 2])
  assert.equal(big.metrics(id).campaign_id, id)
  const forest = CampaignAnalytics.sample(42).fitUplift(1, 'responded', { n_trees: 10, seed: 1 })
  const scored = big.scoreUplift(forest, id)
  assert.ok(scored.every((r) => typeof r.doctor_id === 'number' && r.doctor_id > BIG))
  assert.equal(big.recommend(campaigns.data[0].product, 2).every((r) => typeof r.doctor_id === 'number'), true)
  // Every result is plain JSON (JSON.stringify throws on a BigInt).
  assert.doesNotThrow(() => JSON.stringify([top, campaigns, big.metrics(id), big.rxTrend(id), scored]))
  const page = CampaignAnalytics.sample(42).campaigns(undefined, { page: 2 ** 32, per_page: 1 })
  assert.equal(page.page, 2 ** 32)
  assert.deepEqual(page.data, [])
  const path = join(exportDir, 'big.csv')
  const summary = big.exportCsv(path, 'responders', { campaign_id: id })
  assert.deepEqual(Object.values(summary).map((v) => typeof v), ['number', 'number', 'number'])
  assert.ok(readFileSync(path, 'utf8').includes(String(BIG + 1)))
})

test('wrongly typed arguments: async methods reject, synchronous ones throw, an OptocomError naming the argument', async () => {
  const ca = CampaignAnalytics.sample(7)
  const forest = ca.fitUplift(1, 'responded', { n_trees: 10, seed: 1 })
  const seg = ca.segment({ k: 2, seed: 1 })
  const path = join(exportDir, 'typed.csv')
  const calls = [
    [() => ca.upliftAsync('1'), 'campaignId', '"1"'],
    [() => ca.upliftAsync(1, 5), 'outcome', '5'],
    [() => ca.upliftAsync(1, 'responded', { n_trees: 10 }, '0.9'), 'level', '"0.9"'],
    [() => ca.fitUpliftAsync(null), 'campaignId', 'null'],
    [() => ca.fitUpliftAsync(1, ['responded']), 'outcome', '["responded"]'],
    [() => ca.exportCsvAsync(123), 'path', '123'],
    [() => ca.exportCsvAsync(path, 7), 'what', '7'],
    [() => ca.scoreUpliftAsync({}, 1), 'forest', '{}'],
    [() => ca.scoreUpliftAsync(seg, 1), 'forest', '{}'],
    [() => ca.scoreUpliftAsync(forest, '1'), 'campaignId', '"1"'],
    [() => ca.scoreUpliftAsync(forest, 1, {}), 'level', '{}'],
  ]
  for (const [call, parameter, value] of calls) {
    let promise
    assert.doesNotThrow(() => { promise = call() }, parameter)
    await assert.rejects(promise, (e) => {
      assert.equal(e.name, 'OptocomError')
      assert.deepEqual([e.code, e.parameter, e.value], ['invalid_parameter', parameter, value])
      return true
    })
  }
  assert.equal(existsSync(path), false)
  expectOptocomError(() => ca.scoreUplift(seg, 1), { code: 'invalid_parameter', parameter: 'forest' })
  expectOptocomError(() => ca.scoreUplift({}, 1), { code: 'invalid_parameter', parameter: 'forest' })
  expectOptocomError(() => ca.recommenderWithSegments(forest), { code: 'invalid_parameter', parameter: 'segmentation' })
  expectOptocomError(() => ca.metrics('1'), { code: 'invalid_parameter', parameter: 'campaignId', value: '"1"', reason: 'must be a number (got a string)' })
  expectOptocomError(() => ca.rxTrend(1n), { code: 'invalid_parameter', parameter: 'campaignId', value: '1n' })
  expectOptocomError(() => ca.recommend(1), { code: 'invalid_parameter', parameter: 'product' })
  expectOptocomError(() => forest.save({}), { code: 'invalid_parameter', parameter: 'path' })
  expectOptocomError(() => seg.segmentOf('1'), { code: 'invalid_parameter', parameter: 'doctorId' })
  expectOptocomError(() => CampaignAnalytics.sample('42'), { code: 'invalid_parameter', parameter: 'seed' })
  expectOptocomError(() => CampaignAnalytics.fromDir(1), { code: 'invalid_parameter', parameter: 'dir' })
  expectOptocomError(() => CampaignAnalytics.fromTables(null), { code: 'invalid_parameter', parameter: 'tables', value: 'null' })
  expectOptocomError(() => CampaignAnalytics.fromTables(), { code: 'invalid_parameter', parameter: 'tables', value: 'undefined' })
  const { rx, ...three } = fixtureTables
  expectOptocomError(() => CampaignAnalytics.fromTables(three), { code: 'invalid_parameter', parameter: 'tables.rx' })
  const cyclic = {}
  cyclic.self = cyclic
  expectOptocomError(() => ca.topResponders(1, cyclic), { code: 'invalid_parameter', parameter: 'filter' })
  // The right types still work.
  assert.equal(seg.segmentOf(1.5), null)
  assert.deepEqual(await ca.scoreUpliftAsync(forest, 1, null), ca.scoreUplift(forest, 1))
})

// As the WASM module reads them (bindings-wasm/__test__/campaign.spec.mjs).
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
  assert.equal(lenient.campaigns().total, 2)
  // Another table's cell is that table's error; a genuinely missing value in an earlier
  // table comes first and keeps its own reason.
  const rx = withCell('rx', 2, 'product', 'Product \uDFFF')
  expectOptocomError(() => CampaignAnalytics.fromTables(rx), { row: 2, column: 'rx.product', value: 'Product \\udfff', reason: LONE })
  const both = { ...withCell('targeting', 2, 'doctor_id', '3\uD800'), doctors: withCell('doctors', 2, 'doctor_id', null).doctors }
  expectOptocomError(() => CampaignAnalytics.fromTables(both), { row: 2, column: 'doctors.doctor_id', value: '', reason: 'missing value' })
  const targeting = withCell('targeting', 2, 'doctor_id', '3\uD800')
  expectOptocomError(() => CampaignAnalytics.fromTables(targeting), { row: 2, column: 'targeting.doctor_id', value: '3\\ud800', reason: LONE })
})
