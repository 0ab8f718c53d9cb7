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
