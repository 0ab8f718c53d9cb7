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
