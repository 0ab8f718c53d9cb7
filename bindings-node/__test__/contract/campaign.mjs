// The campaign analytics' contract in JavaScript, run against the Node addon
// (bindings-node/__test__/campaign.spec.mjs) and the WebAssembly module
// (bindings-wasm/__test__/campaign.spec.mjs): metrics, trends, responders, uplift with
// intervals, segments, recommendations and CSV export, on the seeded sample data and the shared
// fixtures.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expectOptocomError } from './purchase.mjs'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures')
const fixture = (name) => readFileSync(join(FIXTURES, name), 'utf8')
const csvRecords = (text) => {
  const [header, ...lines] = text.trim().split('\n')
  const names = header.split(',')
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])))
}
/** The four fixture CSVs of fixtures/campaign as arrays of records. */
export const fixtureTables = Object.fromEntries(
  ['doctors', 'campaigns', 'targeting', 'rx'].map((t) => [t, csvRecords(fixture(`campaign/${t}.csv`))]),
)

/**
 * Registers the shared tests on `optocom`. `exportText(analytics, what, options)` returns the
 * CSV `analytics.exportCsv` produces (a file in Node, a string in the browser).
 */
export function campaignContract(optocom, exportText) {
const { CampaignAnalytics, DoctorSegmentation, Recommender, UpliftForest } = optocom
const ca = CampaignAnalytics.sample(42)

test('campaign pages and metrics are consistent with their own counts', () => {
  const all = ca.campaigns()
  assert.ok(all.total >= 2)
  const page2 = ca.campaigns(undefined, { page: 2, per_page: 1 })
  assert.equal(page2.data.length, 1)
  assert.deepEqual(page2.data[0], all.data[1])
  const m = ca.metrics(1)
  for (const g of [m.targeted, m.control]) {
    assert.equal(g.response_rate, g.responders / g.doctors)
    assert.ok(Math.abs(g.mean_rx_change - (g.mean_rx_post - g.mean_rx_pre)) < 1e-9)
  }
  assert.ok(Math.abs(m.lift.estimate - (m.targeted.mean_rx_change - m.control.mean_rx_change)) < 1e-9)
  assert.ok(m.lift.ci_low < m.lift.estimate && m.lift.estimate < m.lift.ci_high)
  const narrow = ca.metrics(1, undefined, 0.8)
  assert.ok(narrow.lift.ci_high - narrow.lift.ci_low < m.lift.ci_high - m.lift.ci_low)
  assert.deepEqual(CampaignAnalytics.sample(42).metrics(1), m) // seeded
  const trend = ca.rxTrend(1)
  assert.equal(trend.length, m.window.pre_periods + m.window.post_periods)
  assert.deepEqual([...new Set(trend.map((p) => p.phase))], ['pre', 'post'])
})

test('top responders are ranked, filtered and paged', () => {
  const filter = { specialties: ['Cardiology'] }
  const first = ca.topResponders(1, filter, { page: 1, per_page: 10 })
  const second = ca.topResponders(1, filter, { page: 2, per_page: 10 })
  const rows = first.data.concat(second.data)
  assert.deepEqual(rows.map((r) => r.rank), [...Array(20).keys()].map((i) => i + 1))
  assert.ok(rows.every((r) => r.specialty === 'Cardiology'))
  assert.ok(rows.every((r, i) => i === 0 || rows[i - 1].score >= r.score))
  assert.ok(rows.every((r) => r.score === r.rx_change))
  assert.equal(first.total, second.total)
  expectOptocomError(() => ca.topResponders(1, { specialty: ['Cardiology'] }), { code: 'invalid_parameter', parameter: 'filter.specialty' })
  expectOptocomError(() => ca.topResponders(1, filter, { page: 0 }), { code: 'invalid_parameter' })
})

test('per-doctor uplift: intervals contain the estimate and the average is the measured effect', () => {
  const m = ca.metrics(1)
  const rows = ca.uplift(1, 'responded', { n_trees: 100, seed: 5 })
  assert.equal(rows.length, m.targeted.doctors + m.control.doctors)
  assert.equal(rows.filter((r) => r.targeted).length, m.targeted.doctors)
  for (const r of rows) assert.ok(r.lower <= r.effect && r.effect <= r.upper && r.std_error >= 0)
  // A difference of response probabilities: bounds clipped to [-1, 1].
  assert.ok(rows.every((r) => r.lower >= -1 && r.upper <= 1))
  // The forest's mean effect agrees with the randomised difference in response rates.
  const mean = rows.reduce((s, r) => s + r.effect, 0) / rows.length
  assert.ok(Math.abs(mean - m.response_rate_diff.estimate) < 0.05, `${mean} vs ${m.response_rate_diff.estimate}`)
  assert.deepEqual(ca.uplift(1, 'responded', { n_trees: 100, seed: 5 }), rows) // seeded
  const wide = ca.uplift(1, 'responded', { n_trees: 100, seed: 5 }, 0.99)
  assert.ok(wide[0].upper - wide[0].lower > rows[0].upper - rows[0].lower)
  const rx = ca.uplift(1, 'rx_change', { n_trees: 50, seed: 5 })
  const meanRx = rx.reduce((s, r) => s + r.effect, 0) / rx.length
  assert.ok(Math.abs(meanRx - m.lift.estimate) < 1.0, `${meanRx} vs ${m.lift.estimate}`)
  expectOptocomError(() => ca.uplift(1, 'clicks'), { code: 'invalid_parameter', parameter: 'outcome' })
  expectOptocomError(() => ca.uplift(1, 'responded', { trees: 5 }), { code: 'invalid_parameter', parameter: 'params.trees' })
  expectOptocomError(() => ca.uplift(99), { code: 'not_found' })
  expectOptocomError(() => ca.uplift(-1), { code: 'invalid_parameter', parameter: 'campaignId' })
  // Numbers that must be whole and >= 0 are refused, never truncated or wrapped.
  expectOptocomError(() => ca.metrics(1.5), { code: 'invalid_parameter', parameter: 'campaignId' })
  expectOptocomError(() => CampaignAnalytics.sample(-1), { code: 'invalid_parameter', parameter: 'seed' })
  expectOptocomError(() => ca.recommend(ca.campaigns().data[0].product, 2.5), { code: 'invalid_parameter', parameter: 'n' })
  expectOptocomError(() => ca.recommend(ca.campaigns().data[0].product, 3, undefined, [-4]), { code: 'invalid_parameter', parameter: 'exclude[0]', value: '-4' })
})

test('a pretrained uplift forest scores a campaign without refitting', () => {
  const params = { n_trees: 100, seed: 5 }
  const forest = ca.fitUplift(1, 'responded', params)
  assert.equal(forest.outcome, 'responded')
  assert.equal(forest.nTrees, 100)
  assert.deepEqual(forest.featureNames.slice(0, 3), ['tenure_years', 'baseline_rx', 'pre_rx_mean'])
  // the local-linear correction (default "auto"): the continuous columns, not the one-hots
  assert.deepEqual(forest.linearColumns, ['tenure_years', 'baseline_rx', 'pre_rx_mean'])
  assert.deepEqual(ca.fitUplift(1, 'responded', { n_trees: 20, linear_correction: 'off' }).linearColumns, [])
  assert.deepEqual(ca.fitUplift(1, 'responded', { n_trees: 20, linear_correction: [1] }).linearColumns, ['baseline_rx'])
  expectOptocomError(() => ca.fitUplift(1, 'responded', { linear_correction: 'on' }), { code: 'invalid_parameter' })
  expectOptocomError(() => ca.fitUplift(1, 'responded', { linear_penalty: 0 }), { code: 'invalid_parameter', parameter: 'linear_penalty' })
  const rows = ca.uplift(1, 'responded', params)
  assert.deepEqual(ca.scoreUplift(forest, 1), rows) // the fit's rows, bit for bit
  const loaded = UpliftForest.fromJson(forest.toJson())
  assert.deepEqual(ca.scoreUplift(loaded, 1), rows)
  const wide = ca.scoreUplift(loaded, 1, 0.99)
  assert.deepEqual(wide.map((r) => r.effect), rows.map((r) => r.effect))
  assert.ok(wide.every((r, i) => r.upper - r.lower > rows[i].upper - rows[i].lower))
  assert.equal(ca.fitUplift(1, 'rx_change', { n_trees: 20 }).outcome, 'rx_change')
  // Another data set with fewer specialties and provinces (other one-hot columns): its
  // doctors are encoded under the forest's columns.
  const small = CampaignAnalytics.fromTables(fixtureTables)
  const m = small.metrics(1)
  const scored = small.scoreUplift(forest, 1)
  assert.equal(scored.length, m.targeted.doctors + m.control.doctors)
  assert.ok(scored.every((r) => Number.isFinite(r.effect) && r.lower <= r.effect && r.effect <= r.upper))
  // The golden forest, trained by the Rust core on other sample data, scores these doctors.
  const golden = UpliftForest.fromJson(fixture('golden_uplift_forest.json'))
  assert.equal(golden.nTrees, 40)
  assert.equal(ca.scoreUplift(golden, 1).length, rows.length)
  expectOptocomError(() => ca.scoreUplift(forest, 99), { code: 'not_found' })
  expectOptocomError(() => ca.scoreUplift(forest, 1, 1.5), { code: 'invalid_parameter' })
  expectOptocomError(() => ca.fitUplift(1, 'clicks'), { code: 'invalid_parameter', parameter: 'outcome' })
  expectOptocomError(() => UpliftForest.fromJson(fixture('golden_segmentation.json')), { code: 'invalid_artifact' })
  assert.throws(() => ca.scoreUplift({}, 1)) // not a forest: a thrown error, never a crash
})

test('segments: sizes add up, assignments round-trip, the golden artifact reproduces its segments', () => {
  const seg = ca.segment({ k: 3, seed: 1 })
  assert.equal(seg.k, 3)
  const doctors = ca.campaigns().data[0].targeted_doctors + ca.campaigns().data[0].control_doctors
  assert.equal(seg.profiles.reduce((s, p) => s + p.size, 0), doctors)
  assert.ok([0, 1, 2].includes(seg.segmentOf(1)))
  assert.equal(seg.segmentOf(10 ** 9) ?? null, null) // null (Node) or undefined (WASM)
  const back = DoctorSegmentation.fromJson(seg.toJson())
  assert.deepEqual(back.profiles, seg.profiles)
  const golden = DoctorSegmentation.fromJson(fixture('golden_segmentation.json'))
  const expected = fixture('golden_segmentation_expected.csv').trim().split('\n').slice(1).map((l) => l.split(',').map(Number))
  for (const [id, s] of expected) assert.equal(golden.segmentOf(id), s, `doctor ${id}`)
})

test('recommendations respect n, the filter and the exclusions', () => {
  const product = ca.campaigns().data[0].product
  const top = ca.recommend(product, 5)
  assert.equal(top.length, 5)
  assert.ok(top.every((r, i) => i === 0 || top[i - 1].score >= r.score))
  const skipped = ca.recommend(product, 5, undefined, [top[0].doctor_id])
  assert.ok(!skipped.some((r) => r.doctor_id === top[0].doctor_id))
  const onc = ca.recommend(product, 5, { specialties: ['Oncology'] })
  assert.ok(onc.every((r) => r.matched.every((m) => !m.startsWith('specialty=') || m === 'specialty=Oncology')))
  expectOptocomError(() => ca.recommend('No Such Product'), { code: 'not_found' })
})

test('a pretrained recommender serves what recommend gives, without the campaign data', () => {
  const products = [...new Set(ca.campaigns(undefined, { per_page: 500 }).data.map((c) => c.product))]
  const rec = ca.recommender()
  assert.deepEqual(rec.products, products)
  assert.equal(rec.nDoctors, ca.campaigns().data[0].targeted_doctors + ca.campaigns().data[0].control_doctors)
  const served = Recommender.fromJson(rec.toJson())
  const filter = { provinces: ['Ontario'] }
  for (const product of products) {
    assert.deepEqual(served.recommend(product, 12, filter, [1, 2]), ca.recommend(product, 12, filter, [1, 2]))
  }
  assert.equal(served.recommend(products[0]).length, 10) // default n
  // Chosen products; with segments the doctors' profiles carry them.
  const seg = ca.segment({ k: 3, seed: 1 })
  const withSeg = ca.recommenderWithSegments(seg, [products[0]])
  assert.deepEqual(withSeg.products, [products[0]])
  assert.notDeepEqual(withSeg.recommend(products[0], 20), served.recommend(products[0], 20))
  assert.equal(seg.k, 3) // the segmentation is still usable afterwards
  // The golden recommender (saved by the Rust core) loads and serves.
  const golden = Recommender.fromJson(fixture('golden_recommender.json'))
  assert.ok(golden.products.length >= 1 && golden.nDoctors > 0)
  expectOptocomError(() => ca.recommender(['NoSuchProduct']), { code: 'not_found' })
  expectOptocomError(() => ca.recommender([3]), { code: 'invalid_parameter', parameter: 'products[0]' })
  expectOptocomError(() => served.recommend('NoSuchProduct'), { code: 'not_found' })
  expectOptocomError(() => served.recommend(products[0], 2.5), { code: 'invalid_parameter', parameter: 'n' })
})

test('campaign data from records, strictly and leniently', () => {
  const ok = CampaignAnalytics.fromTables(fixtureTables)
  assert.equal(ok.campaigns().total, 2)
  assert.deepEqual(ok.rejected, [])
  assert.equal(ok.metrics(1).campaign_id, 1)
  // A bad doctor: strict throws naming it; lenient drops it with its targeting and Rx rows.
  const bad = { ...fixtureTables, doctors: fixtureTables.doctors.map((d, i) => (i === 0 ? { ...d, tenure_years: 'long' } : d)) }
  expectOptocomError(() => CampaignAnalytics.fromTables(bad), { code: 'invalid_value', row: 0, column: 'doctors.tenure_years', value: 'long' })
  const lenient = CampaignAnalytics.fromTables(bad, { lenient: true })
  const tablesRejected = lenient.rejected.map((r) => r.table)
  assert.equal(tablesRejected[0], 'doctors')
  assert.ok(tablesRejected.includes('targeting') && tablesRejected.includes('rx'), tablesRejected.join())
  expectOptocomError(() => CampaignAnalytics.fromTables(fixtureTables, { strict: true }), { code: 'invalid_parameter', parameter: 'options.strict' })
  expectOptocomError(() => CampaignAnalytics.fromTables({ ...fixtureTables, rx: 'not an array' }), { code: 'invalid_parameter', parameter: 'data' })
})

test('CSV export: filtered doctors, ranked responders, formula-like cells guarded', () => {
  const lines = (text) => text.trimEnd().split('\n')
  const all = lines(exportText(ca))
  assert.equal(all[0], 'doctor_id,specialty,province,tenure_years,baseline_rx')
  const cardiology = lines(exportText(ca, 'doctors', { filter: { specialties: ['Cardiology'] } }))
  assert.ok(cardiology.length > 1 && cardiology.length < all.length)
  assert.ok(cardiology.slice(1).every((l) => l.split(',')[1] === 'Cardiology'))
  // Responders: every ranked doctor of topResponders, in its order, unpaginated.
  const filter = { specialties: ['Cardiology'] }
  const ranked = []
  for (let page = 1; ranked.length === (page - 1) * 50; page++) {
    ranked.push(...ca.topResponders(1, filter, { page, per_page: 50 }).data)
  }
  assert.ok(ranked.length > 50)
  const responders = lines(exportText(ca, 'responders', { campaign_id: 1, filter }))
  assert.equal(responders.length - 1, ranked.length)
  const id = responders[0].split(',').indexOf('doctor_id')
  assert.deepEqual(responders.slice(1).map((l) => Number(l.split(',')[id])), ranked.map((r) => r.doctor_id))
  // A cell a spreadsheet would run is prefixed with a quote, unless the guard is off.
  const tables = { ...fixtureTables, doctors: fixtureTables.doctors.map((d, i) => (i === 0 ? { ...d, specialty: '=HYPERLINK("x")' } : d)) }
  const odd = CampaignAnalytics.fromTables(tables)
  assert.equal(lines(exportText(odd))[1].split(',')[1], `"'=HYPERLINK(""x"")"`)
  assert.equal(lines(exportText(odd, 'doctors', { formula_guard: false }))[1].split(',')[1], '"=HYPERLINK(""x"")"')
  expectOptocomError(() => exportText(ca, 'responders'), { code: 'invalid_parameter', parameter: 'campaign_id' })
  expectOptocomError(() => exportText(ca, 'patients'), { code: 'invalid_parameter', parameter: 'what' })
  expectOptocomError(() => exportText(ca, 'responders', { campaign_id: 99 }), { code: 'not_found' })
  expectOptocomError(() => exportText(ca, 'responders', { campaign_id: 1.5 }), { code: 'invalid_parameter' })
  expectOptocomError(() => exportText(ca, 'doctors', { campaign: 1 }), { code: 'invalid_parameter', parameter: 'options.campaign' })
})
}
