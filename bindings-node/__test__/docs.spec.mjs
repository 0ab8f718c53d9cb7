// The README's Node quick tour and the Node example run as written.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync, rmSync, mkdtempSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { execFileSync } from 'node:child_process'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '..', '..')

test('the README quick tour (Node) runs', async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.split('## Quick tour (Node)')[1]
  assert.ok(section, 'README has a Node quick tour')
  const code = section.split('```js\n')[1].split('```')[0]
  // Run it as a module inside the package, so that `require('optocom')` resolves to this
  // package by its own name (package.json "exports").
  const file = join(HERE, '..', '.readme-tour.mjs')
  const lines = []
  const log = console.log
  console.log = (...a) => lines.push(a.join(' '))
  writeFileSync(file, "import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)\n" + code)
  try {
    await import(pathToFileURL(file).href)
  } finally {
    console.log = log
    rmSync(file)
  }
  assert.deepEqual(lines, ['invalid_value 1 appointment_date 2026-02-30'])
})

test('examples/node/purchase_forecast.mjs prints the forecast', () => {
  const out = execFileSync(process.execPath, [join(ROOT, 'examples', 'node', 'purchase_forecast.mjs'), '--seed', '5'], {
    encoding: 'utf8',
  })
  assert.match(out, /Training report/)
  assert.match(out, /7-day total\s+\d+\s+\d+\s+\d+\s+\d+/)
  assert.match(out, /months inside the interval/)
  assert.match(out, /Top upcoming high-value patients/)
})

test("the package README's examples run as written", async () => {
  const readme = readFileSync(join(HERE, '..', 'README.md'), 'utf8')
  const blocks = readme.split('```js\n').slice(1).map((b) => b.split('```')[0])
  assert.equal(blocks.length, 2)
  const file = join(HERE, '..', '.readme-tour.mjs')
  const cwd = process.cwd()
  const dir = mkdtempSync(join(tmpdir(), 'optocom-readme-'))
  // Each block as a module inside the package (so `require('optocom')` resolves), run from a
  // scratch directory (the purchase example saves purchase.json). Only the progress line is
  // changed: it would land in the test runner's own stdout (its TAP stream).
  try {
    process.chdir(dir)
    for (const [i, code] of blocks.entries()) {
      const quiet = code.replaceAll('process.stdout.write(', 'String(')
      writeFileSync(file, "import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)\n" + quiet)
      await import(pathToFileURL(file).href + `?block=${i}`)
    }
    assert.ok(existsSync(join(dir, 'purchase.json')))
  } finally {
    process.chdir(cwd)
    rmSync(file, { force: true })
    rmSync(dir, { recursive: true })
  }
})
