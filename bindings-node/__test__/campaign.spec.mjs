// The Node addon's campaign analytics: the JS contract shared with the WebAssembly module
// (contract/campaign.mjs), plus what only Node has: reading a directory of CSV files.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { campaignContract, fixtureTables } from './contract/campaign.mjs'
import { expectOptocomError } from './contract/purchase.mjs'

const require = createRequire(import.meta.url)
const optocom = require('../index.js')
const { CampaignAnalytics } = optocom
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures')

campaignContract(optocom)

test('a directory of CSV files reads as its records do', () => {
  const dir = CampaignAnalytics.fromDir(join(FIXTURES, 'campaign'))
  const fromRecords = CampaignAnalytics.fromTables(fixtureTables)
  assert.deepEqual(fromRecords.campaigns(), dir.campaigns())
  assert.deepEqual(fromRecords.metrics(1), dir.metrics(1))
  assert.deepEqual(dir.rejected, [])
  expectOptocomError(() => CampaignAnalytics.fromDir(join(FIXTURES, 'nowhere')), { code: 'not_found' })
})
