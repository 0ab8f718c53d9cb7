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
import { campaignContract } from '../../bindings-node/__test__/contract/campaign.mjs'

const require = createRequire(import.meta.url)
const HERE = dirname(fileURLToPath(import.meta.url))
const optocom = require(join(HERE, '..', 'pkg-node', 'optocom.js'))

// The browser has no file system: exportCsv returns the CSV text.
campaignContract(optocom, (analytics, what, options) => analytics.exportCsv(what, options))

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
