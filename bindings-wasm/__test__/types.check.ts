// Compiled (never run) by `npm test` with `tsc --noEmit --strict`: the generated .d.ts files
// (Node and web builds) must describe the API as the README uses it.
import {
  PurchaseForecaster,
  demoAppointments,
  readAppointments,
  defaultParams,
  CampaignAnalytics,
  UpliftForest,
  Recommender,
  type Appointment,
  type ScoredAppointment,
  type ForecastPoint,
  type ComparisonPoint,
  type DoctorUplift,
  type PatientPrediction,
  type Rejection,
} from '../pkg-node/optocom.js'
import init, { PurchaseForecaster as WebForecaster, demoAppointments as webDemo } from '../pkg-web/optocom.js'

function tour(): number {
  const { past, upcoming }: { past: Appointment[]; upcoming: Appointment[] } = demoAppointments({ n_past: 100 })
  const model: PurchaseForecaster = PurchaseForecaster.fit(past, { classifier: { n_trees: 10 } })
  const defaults: PurchaseForecaster = PurchaseForecaster.fit(past)
  const csv: PurchaseForecaster = PurchaseForecaster.fit('patient_id,appointment_date\n')
  const scored: ScoredAppointment[] = model.score(upcoming)
  const band: 'high' | 'medium' | 'low' = scored[0].value_band
  const weekly: ForecastPoint[] = model.forecast(upcoming, 'week', 0.9)
  const weeklyByDefault: ForecastPoint[] = model.forecast(upcoming)
  const total: ForecastPoint | null = model.forecastTotal(upcoming)
  const cmp: ComparisonPoint[] = model.compare(past, 'month')
  const one: PatientPrediction = model.predictPatient({ ...upcoming[0] })
  const form: PatientPrediction = model.predictPatient({
    age: '52', days_since_last_purchase: 400, employed: 'Y', benefits: 0, driver: true,
    vdu_user: 'no', varifocal: 1, high_prescription: false,
  })
  const read: { rows: Appointment[]; rejected: Rejection[] } = readAppointments(upcoming, { lenient: true })
  const strict: { rows: Appointment[]; rejected: Rejection[] } = readAppointments('patient_id\n')
  const names: string[] = model.featureNames
  const rows: number = model.info.n_rows
  const when: string | null = model.info.trained_at
  const text: string = model.toJson()
  const again: PurchaseForecaster = PurchaseForecaster.fromJson(text)
  const params: Record<string, unknown> = defaultParams('purchase_forecaster')
  model.free()
  void [defaults, csv, band, weekly, weeklyByDefault, total, cmp, one, read, strict, names, when, again, params]
  return scored.length + rows + (upcoming[0].amount ?? 0)
}

async function browser(): Promise<number> {
  await init()
  const { past, upcoming } = webDemo({ seed: 1 })
  const scored: ScoredAppointment[] = WebForecaster.fit(past, { seed: 3 }).score(upcoming)
  return scored.length
}
function campaign(): number {
  const ca: CampaignAnalytics = CampaignAnalytics.sample(42)
  const csv: string = ca.exportCsv('responders', { campaign_id: 1, filter: { provinces: ['Ontario'] } })
  const doctors: string = ca.exportCsv()
  const forest: UpliftForest = UpliftForest.fromJson(ca.fitUplift(1, 'responded', { n_trees: 20 }).toJson())
  const scored: DoctorUplift[] = ca.scoreUplift(forest, 1)
  const rec: Recommender = Recommender.fromJson(ca.recommenderWithSegments(ca.segment({ k: 2 }), ['X']).toJson())
  const top: Array<Record<string, unknown>> = rec.recommend('X', 3, { provinces: ['Ontario'] }, [1])
  void [top, rec.products, rec.nDoctors, ca.recommender()]
  const names: string[] = forest.featureNames
  const corrected: string[] = forest.linearColumns
  const kind: 'responded' | 'rx_change' = forest.outcome
  void [names, kind, corrected]
  return csv.length + doctors.length + scored.length + forest.nTrees
}
void tour
void browser
void campaign
