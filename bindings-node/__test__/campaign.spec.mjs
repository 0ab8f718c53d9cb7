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
