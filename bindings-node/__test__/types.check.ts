// Compiled (never run) by `npm test` with `tsc --noEmit --strict`: the generated index.d.ts
// plus types.d.ts must describe the API as the README uses it.
import {
  CampaignAnalytics,
  DoctorSegmentation,
  UpliftForest,
  Recommender,
  PurchaseForecaster,
  demoAppointments,
  readAppointments,
  defaultParams,
  type Appointment,
  type ScoredAppointment,
  type ForecastPoint,
  type ComparisonPoint,
  type DoctorUplift,
  type PatientPrediction,
  type Rejection,
} from '../index'

async function tour(): Promise<number> {
  const { past, upcoming }: { past: Appointment[]; upcoming: Appointment[] } = demoAppointments({ n_past: 100 })
  const model: PurchaseForecaster = await PurchaseForecaster.fitAsync(past, { classifier: { n_trees: 10 } })
  const sync: PurchaseForecaster = PurchaseForecaster.fit('patient_id,appointment_date\n')
  const scored: ScoredAppointment[] = model.score(upcoming)
  const scoredAsync: ScoredAppointment[] = await model.scoreAsync('patient_id,appointment_date\n')
  const band: 'high' | 'medium' | 'low' = scored[0].value_band
  const weekly: ForecastPoint[] = model.forecast(upcoming, 'week', 0.9)
  const total: ForecastPoint | null = model.forecastTotal(upcoming)
  const cmp: ComparisonPoint[] = model.compare(past, 'month')
  const weeklyAsync: ForecastPoint[] = await model.forecastAsync(upcoming, 'week', 0.9)
  const cmpAsync: ComparisonPoint[] = await model.compareAsync(past)
  const totalAsync: ForecastPoint | null = await model.forecastTotalAsync(upcoming)
  const one: PatientPrediction = model.predictPatient({ ...upcoming[0] })
  const form: PatientPrediction = model.predictPatient({
    age: '52', days_since_last_purchase: 400, employed: 'Y', benefits: 0, driver: true,
    vdu_user: 'no', varifocal: 1, high_prescription: false,
  })
  const read: { rows: Appointment[]; rejected: Rejection[] } = readAppointments(upcoming, { lenient: true })
  const names: string[] = model.featureNames
  const rows: number = model.info.n_rows
  const text: string = model.toJson()
  const again: PurchaseForecaster = PurchaseForecaster.fromJson(text)
  const defaults: Record<string, unknown> = defaultParams('purchase_forecaster')
  void [sync, scoredAsync, band, weekly, weeklyAsync, total, totalAsync, cmp, cmpAsync, one, read, names, again, defaults]
  return scored.length + rows + (upcoming[0].amount ?? 0)
}
async function campaignAsync(ca: CampaignAnalytics): Promise<number> {
  const effects: DoctorUplift[] = await ca.upliftAsync(1, 'responded', { n_trees: 50 })
  const forest: UpliftForest = await ca.fitUpliftAsync(1, 'rx_change')
  const scored: Array<{ doctor_id: number; targeted: boolean }> = await ca.scoreUpliftAsync(forest, 1, 0.9)
  const exported: { rows: number; bytes: number; guarded_cells: number } = await ca.exportCsvAsync('/tmp/r.csv', 'doctors')
  return effects.length + scored.length + exported.rows
}
function campaign(): number {
  const ca: CampaignAnalytics = CampaignAnalytics.sample(42)
  const fromDir: CampaignAnalytics = CampaignAnalytics.fromDir('fixtures/campaign', { lenient: true })
  const rejected: Rejection[] = fromDir.rejected
  const effects: Array<{ doctor_id: number; effect: number; lower: number; upper: number }> = ca.uplift(1, 'responded', { n_trees: 50 }, 0.95)
  const rec: Recommender = Recommender.fromJson(ca.recommender(['X']).toJson())
  const recSeg: Recommender = ca.recommenderWithSegments(ca.segment({ k: 2 }), undefined, { prior_strength: 5 })
  rec.save('/tmp/rec.json')
  void [Recommender.load('/tmp/rec.json').recommend('X', 3, { provinces: ['Ontario'] }, [1]), rec.products, recSeg.nDoctors]
  const forest: UpliftForest = UpliftForest.fromJson(ca.fitUplift(1, 'rx_change', { n_trees: 50 }).toJson())
  const scored: Array<{ doctor_id: number; targeted: boolean; effect: number }> = ca.scoreUplift(forest, 1, 0.9)
  const kind: 'responded' | 'rx_change' = forest.outcome
  forest.save('/tmp/uplift.json')
  void [UpliftForest.load('/tmp/uplift.json').featureNames, kind, scored]
  const seg: DoctorSegmentation = ca.segment({ k: 3 })
  const s: number | null = seg.segmentOf(1)
  const exported: { rows: number; bytes: number; guarded_cells: number } = ca.exportCsv('/tmp/r.csv', 'responders', { campaign_id: 1, filter: { provinces: ['Ontario'] } })
  void [rejected, s, ca.metrics(1, { specialties: ['Cardiology'] }), ca.topResponders(1, {}, { page: 1, per_page: 5 }), ca.recommend('X', 3)]
  return effects.length + seg.k + exported.rows
}
void tour
void campaign
void campaignAsync
