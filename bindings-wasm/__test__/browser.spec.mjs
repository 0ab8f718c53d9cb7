// The `--target web` build in headless Chromium: the README's browser snippet runs as
// written from a page served on 127.0.0.1, and the golden fixtures score to the same bits
// in the browser. Skipped when Chromium or playwright-core is missing, unless
// OPTOCOM_REQUIRE_BROWSER=1 (test.sh sets it).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { existsSync, readFileSync } from 'node:fs'
import { extname, join, dirname, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const PKG_DIR = resolve(HERE, '..')
const FIXTURES = resolve(HERE, '..', '..', 'fixtures')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'

let chromium = null
try {
  ;({ chromium } = await import('playwright-core'))
} catch {}
const missing = !chromium ? 'playwright-core is not installed (npm ci)' : !existsSync(CHROMIUM) ? `no ${CHROMIUM} (apt-get install chromium)` : null
if (missing && process.env.OPTOCOM_REQUIRE_BROWSER === '1') throw new Error(missing)

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.csv': 'text/csv' }

function readmeSnippet() {
  const readme = readFileSync(join(PKG_DIR, 'README.md'), 'utf8')
  return readme.split('## In the browser')[1].split('```html\n')[1].split('```')[0]
}

// /tour.html is the README snippet; /fixtures/* the shared fixtures; anything else a file
// of bindings-wasm/ (so the snippet's ./pkg-web/optocom.js resolves).
function serve() {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname)
    if (path === '/tour.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(readmeSnippet())
      return
    }
    const [base, rel] = path.startsWith('/fixtures/') ? [FIXTURES, path.slice('/fixtures/'.length)] : [PKG_DIR, path.slice(1)]
    const file = resolve(base, rel)
    if (!file.startsWith(base + sep) || !existsSync(file)) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' }).end(readFileSync(file))
  })
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)))
}

test('the browser build runs the README snippet and the golden fixtures in Chromium', { skip: missing || false, timeout: 120_000 }, async () => {
  const server = await serve()
  const origin = `http://127.0.0.1:${server.address().port}`
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  try {
    const page = await browser.newPage()
    const logs = []
    const errors = []
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning' ? errors : logs).push(m.text()))
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(`${origin}/tour.html`)
    await page.waitForFunction(() => document.querySelector('#out').textContent !== '', null, { timeout: 60_000 })
    const out = await page.textContent('#out')
    assert.match(out, /^AUC 0\.\d{3}: \d+ of \d+ upcoming patients in the high band$/)
    assert.deepEqual(logs, ['OptocomError invalid_value 0 age old'])

    const golden = await page.evaluate(async () => {
      const { PurchaseForecaster } = await import('./pkg-web/optocom.js')
      const text = (name) => fetch(`/fixtures/${name}`).then((r) => r.text())
      const model = PurchaseForecaster.fromJson(await text('golden_purchase_forecaster.json'))
      const scored = model.score(await text('golden_upcoming.csv'))
      const [header, ...lines] = (await text('golden_purchase_expected.csv')).trim().split('\n')
      const names = header.split(',')
      const bad = []
      lines.forEach((line, i) => {
        const row = Object.fromEntries(line.split(',').map((v, j) => [names[j], v]))
        for (const k of ['probability', 'expected_spend', 'expected_revenue']) {
          if (scored[i][k] !== Number(row[k])) bad.push(`${row.patient_id} ${k}`)
        }
        if (scored[i].value_band !== row.value_band) bad.push(`${row.patient_id} value_band`)
      })
      return { n: scored.length, bad }
    })
    assert.deepEqual(golden, { n: 200, bad: [] })
    assert.deepEqual(errors, [])
  } finally {
    await browser.close()
    server.close()
  }
})
